using LatentLab.Reports;

namespace LatentLab.Perturbation;

/// <summary>Progress of a sweep: grid point <paramref name="Point"/> of <paramref name="Points"/> (1-based, done) at scale <paramref name="Scale"/>.</summary>
public sealed record PerturbationProgress(string Model, int Point, int Points, double Scale, TimeSpan Elapsed)
{
    /// <summary>The record every live display reads.</summary>
    public RunProgress ToRunProgress() => new($"Perturbation sweep of {Model}", Point, Points, Elapsed)
    {
        Unit = "noise scales",
        Message = $"{Model}: s = {Scale:0.####} done ({Point}/{Points})",
    };
}
