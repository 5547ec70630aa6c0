namespace LatentLab.Statistics;

/// <summary>The Wilson score interval for a binomial proportion (here: a probe's accuracy, k correct of n).</summary>
public static class WilsonInterval
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>(low, high) of the Wilson interval for k successes in n trials; (NaN, NaN) when n = 0.</summary>
    public static (double Low, double High) Compute(long k, long n, double z = Z95)
    {
        if (n <= 0) return (double.NaN, double.NaN);
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must lie in 0..n = {n}.");
        double p = (double)k / n, z2 = z * z;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denom;
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
