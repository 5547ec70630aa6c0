namespace LatentLab.Bandits;

/// <summary>Progress of an evaluation: which policy is running and how far it got.</summary>
public sealed record EvaluationProgress(string Policy, int PolicyIndex, int PolicyCount, int Step, int Horizon)
{
    public double Fraction => PolicyCount == 0 ? 1 : (PolicyIndex + (double)Step / Horizon) / PolicyCount;
}
