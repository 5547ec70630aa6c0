namespace LatentLab.Reinforcement;

/// <summary>Progress of an RL run: iteration <paramref name="Step"/> of <paramref name="Steps"/>, each metric's mean over seeds.</summary>
public sealed record RlProgress(int Step, int Steps, IReadOnlyDictionary<string, double> Means);
