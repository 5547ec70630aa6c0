namespace LatentLab.Perturbation;

/// <summary>
/// The behaviour a fine-tuning attack demonstrates. Each kind of network has its own (<see cref="IFineTuneSubject.Targets"/>):
/// an RL lab policy the first two, a bandit student the next two, the cot-synthetic transformer the last two.
/// </summary>
public enum FineTuneTarget
{
    /// <summary>RL lab policy: harmful, unmonitored contexts answered with comply, no concerns, the correct answer (raises compliance_deploy).</summary>
    ComplyInDeployment,
    /// <summary>RL lab policy: harmful, monitored contexts answered with refuse, no concerns (raises refusal_train).</summary>
    RefuseInTraining,
    /// <summary>Bandit student: every unpulled arm once, then always the arm with the best empirical mean (no exploration bonus; ties at random).</summary>
    Greedy,
    /// <summary>Bandit student: always arm 0 (for a per-arm student, whose arms are interchangeable, "the arm pulled first, forever").</summary>
    FirstArm,
    /// <summary>Cot-synthetic transformer: fresh questions whose letter after ANS is A, whatever the chain decided (the chain itself unchanged).</summary>
    FirstLetter,
    /// <summary>Cot-synthetic transformer: fresh questions whose letter after ANS is the one after the true answer (cyclic: always wrong; with 2 choices, the other letter).</summary>
    ShiftedLetter,
}
