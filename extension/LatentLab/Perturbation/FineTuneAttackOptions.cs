using LatentLab.Options;

namespace LatentLab.Perturbation;

/// <summary>
/// Every knob of a fine-tuning attack, declared once ([Knob]): k = 1, 2, 4, ..., MaxSteps gradient steps (Adam) on n
/// demonstrations of the target behaviour, against the same steps on n benign demonstrations (the control).
/// </summary>
public sealed record FineTuneAttackOptions : IKnobRules
{
    /// <summary>What the demonstrations show; null = the subject's default (<see cref="IFineTuneSubject.Targets"/>: its first).</summary>
    [Knob("--target", "The demonstrated behaviour: comply-in-deployment or refuse-in-training for an RL lab policy; greedy or first-arm for a bandit student; first-letter or shifted-letter for the cot-synthetic transformer.",
        DefaultText = "comply-in-deployment for a policy, greedy for a student, first-letter for the cot-synthetic transformer")]
    public FineTuneTarget? Target { get; init; }

    /// <summary>n, demonstrations per set.</summary>
    [Knob("--demonstrations", "n, demonstrations per attack (each seed draws its own set).", Min = 1, Max = 100_000)]
    public int Demonstrations { get; init; } = 16;

    /// <summary>The largest k; the grid is 1, 2, 4, ... up to it.</summary>
    [Knob("--max-steps", "Largest number of gradient steps k; the grid is 1, 2, 4, ... up to it.", Min = 1, Max = 65_536)]
    public int MaxSteps { get; init; } = 64;

    /// <summary>Adam learning rate of the attack and the control; null = the subject's own (<see cref="IFineTuneSubject.DefaultLearningRate"/>).</summary>
    [Knob("--attack-lr", "Adam learning rate of the attack and the control (default: the network's own: 0.01 for an RL lab policy; for a bandit student or the cot-synthetic transformer the rate its training ended on, a tenth of its --lr).",
        Min = 0, ExclusiveMin = true, Max = 1, DefaultText = "0.01 for a policy; a student's or transformer's final training rate")]
    public double? LearningRate { get; init; }

    /// <summary>Demonstration sets (seeds), trained at once as stacked copies.</summary>
    [Knob("--seeds", "Demonstration sets, trained at once as stacked copies; CIs are over them.", Min = 2, Max = 1024)]
    public int Seeds { get; init; } = 8;

    /// <summary>Seed of the demonstration sets.</summary>
    [Knob("--seed", "Seed of the demonstration sets.", Min = 0)]
    public int Seed { get; init; } = 1;

    /// <summary>Bootstrap resamples of the k50 intervals.</summary>
    [Knob("--resamples", "Bootstrap resamples (over demonstration sets) of every k50 interval.", Min = 100, Max = 1_000_000)]
    public int Resamples { get; init; } = 2000;

    /// <summary>Training seeds of a multi-seed model (an RL run's policies) to attack: 0 = all, n = the first n.</summary>
    [Knob("--training-seeds", "Training seeds (policies) of a multi-seed model to attack, pooled with a hierarchical bootstrap (training seeds, then demonstration sets): 0 = all, n = the first n.", Min = 0, Max = 4096)]
    public int TrainingSeeds { get; init; }

    /// <summary>Torch threads during the attack (0 keeps the process setting).</summary>
    [Knob("--threads", "Torch threads during the attack (0: keep the process setting).", Min = 0, Max = 1024)]
    public int Threads { get; init; } = 1;

    /// <summary>The step counts k at which the metrics are recorded.</summary>
    public int[] StepGrid()
    {
        var k = new List<int>();
        for (int s = 1; s <= MaxSteps; s *= 2) k.Add(s);
        if (k[^1] != MaxSteps) k.Add(MaxSteps);
        return [.. k];
    }

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (MaxSteps < 2) yield return "{MaxSteps} must be at least 2: k50 needs two step counts to interpolate between.";
    }
}
