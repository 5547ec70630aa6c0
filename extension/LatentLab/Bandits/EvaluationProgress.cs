namespace LatentLab.Bandits;

/// <summary>Progress of an evaluation: which policy is running, how far it got, and the wall time since the evaluation started.</summary>
public sealed record EvaluationProgress(string Policy, int PolicyIndex, int PolicyCount, int Step, int Horizon, TimeSpan Elapsed)
{
    public double Fraction => PolicyCount == 0 ? 1 : (PolicyIndex + (double)Step / Horizon) / PolicyCount;
}
