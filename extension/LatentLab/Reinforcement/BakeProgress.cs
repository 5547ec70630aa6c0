namespace LatentLab.Reinforcement;

/// <summary>Progress of <see cref="ReferenceBaker"/>: step, the step limit, each context type's mean KL(target || pi) (worst seed), matched yet.</summary>
public sealed record BakeProgress(int Step, int MaxSteps, IReadOnlyDictionary<string, double> KlByType, bool Matched);
