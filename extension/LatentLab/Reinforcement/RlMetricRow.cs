namespace LatentLab.Reinforcement;

/// <summary>One number of an RL run: metric <paramref name="Metric"/> of seed <paramref name="Seed"/> after <paramref name="Step"/> updates.</summary>
public sealed record RlMetricRow(int Seed, int Step, string Metric, double Value);
