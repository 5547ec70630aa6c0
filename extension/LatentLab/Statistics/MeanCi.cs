using static TorchSharp.torch;

namespace LatentLab.Statistics;

/// <summary>
/// A mean with its 95% confidence interval: over episodes from <see cref="FromSamples"/> (Student t, n - 1 degrees of
/// freedom), or over seeds from <see cref="BootstrapCi.OfMean"/> (percentile bootstrap).
/// </summary>
public sealed record MeanCi(double Mean, double Low, double High, long N)
{
    public double HalfWidth => (High - Low) / 2;

    public override string ToString() => $"{Mean:0.###} [{Low:0.###}, {High:0.###}]";

    /// <summary>From per-episode values (B,) on any device.</summary>
    public static MeanCi FromSamples(Tensor values)
    {
        using var scope = NewDisposeScope();
        var v = values.to(float64);
        long n = v.numel();
        double mean = v.mean().item<double>();
        double sd = n > 1 ? v.std().item<double>() : 0;
        return FromMoments(mean, sd, n);
    }

    public static MeanCi FromMoments(double mean, double sd, long n)
    {
        double half = n > 1 ? TQuantile975(n - 1) * sd / Math.Sqrt(n) : double.NaN;
        return new MeanCi(mean, mean - half, mean + half, n);
    }

    /// <summary>
    /// 97.5% quantile of Student's t with <paramref name="df"/> degrees of freedom (Cornish-Fisher expansion around
    /// the normal quantile 1.959964; exact to 3 decimals for df >= 3, which is all an evaluation ever has).
    /// </summary>
    public static double TQuantile975(double df)
    {
        if (df < 1) return double.NaN;
        if (df == 1) return 12.7062;
        if (df == 2) return 4.3027;
        const double z = 1.959963984540054;
        double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
        return z + (z3 + z) / (4 * df)
                 + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df)
                 + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df)
                 + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df * df * df * df);
    }
}
