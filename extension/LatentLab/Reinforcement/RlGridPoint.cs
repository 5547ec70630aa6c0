namespace LatentLab.Reinforcement;

/// <summary>One point of an <see cref="RlGrid"/>: the two settings' values, the run there and the analytic break-even concern cost.</summary>
public sealed record RlGridPoint(double A, double B, RlRun Run, double ConcernBreakEvenCost);
