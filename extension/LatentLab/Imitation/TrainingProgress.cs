namespace LatentLab.Imitation;

/// <summary>One progress report of student training (for a live display: <c>LatentLab.Reports.ProgressConversions.ToRunProgress</c>, which also gives the ETA).</summary>
/// <param name="Step">Gradient steps done.</param>
/// <param name="TotalSteps">Gradient steps planned.</param>
/// <param name="Loss">Cross-entropy to the teacher's (soft) labels, mean over the last report window.</param>
/// <param name="Agreement">Fraction of steps where the student's argmax is one of the teacher's best arms (last window).</param>
/// <param name="TeacherMix">Probability that the teacher acted in the rollouts (1 = behaviour cloning).</param>
/// <param name="EnvStepsPerSecond">Episode-steps (episodes x pulls) trained on per second of wall time.</param>
/// <param name="Elapsed">Wall time since training started.</param>
public sealed record TrainingProgress(
    int Step, int TotalSteps, double Loss, double Agreement, double TeacherMix,
    double EnvStepsPerSecond, TimeSpan Elapsed)
{
    public double Fraction => TotalSteps == 0 ? 1 : (double)Step / TotalSteps;
}
