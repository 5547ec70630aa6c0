namespace LatentLab.Perturbation;

/// <summary>Progress of a sweep: grid point <paramref name="Point"/> of <paramref name="Points"/> (1-based, done) at scale <paramref name="Scale"/>.</summary>
public sealed record PerturbationProgress(string Model, int Point, int Points, double Scale, TimeSpan Elapsed);
