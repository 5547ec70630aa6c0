namespace LatentLab.Statistics;

/// <summary>
/// Percentile bootstrap over a few values (typically one number per seed): resample the values with replacement
/// <c>resamples</c> times, compute the statistic of each resample, and take the (1 - level) / 2 and (1 + level) / 2
/// quantiles of those statistics (linear interpolation between order statistics, as numpy.percentile does). The
/// resampling draws come from <see cref="Random"/> with the given seed, so the same call gives the same interval.
/// With few values the interval is too narrow (the bootstrap cannot see what n values never showed); with many it
/// agrees with the normal-theory interval of <see cref="MeanCi.FromMoments"/>.
/// </summary>
public static class BootstrapCi
{
    /// <summary>The mean of <paramref name="values"/> with its percentile-bootstrap interval.</summary>
    public static MeanCi OfMean(IReadOnlyList<double> values, int resamples = 10_000, int seed = 0, double level = 0.95)
    {
        var (low, high) = Of(values, Mean, resamples, seed, level);
        return new MeanCi(Mean(values), low, high, values.Count);
    }

    /// <summary>(low, high) of the percentile-bootstrap interval of any <paramref name="statistic"/> of <paramref name="values"/>.</summary>
    public static (double Low, double High) Of(IReadOnlyList<double> values, Func<IReadOnlyList<double>, double> statistic,
        int resamples = 10_000, int seed = 0, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(statistic);
        if (values.Count == 0)
            throw new ArgumentException("the bootstrap needs at least one value (e.g. one result per seed); got none.", nameof(values));
        if (values.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("the bootstrap values must all be finite numbers; drop or fix the NaN / infinite ones first.", nameof(values));
        if (resamples < 100)
            throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "resamples must be at least 100 (10000 is usual) for stable quantiles.");
        if (!(level > 0 && level < 1))
            throw new ArgumentOutOfRangeException(nameof(level), level, "level must lie strictly between 0 and 1, e.g. 0.95 for a 95% interval.");

        var rng = new Random(seed);
        int n = values.Count;
        var sample = new double[n];
        var stats = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < n; i++) sample[i] = values[rng.Next(n)];
            stats[b] = statistic(sample);
        }
        Array.Sort(stats);
        return (Quantile(stats, (1 - level) / 2), Quantile(stats, (1 + level) / 2));
    }

    /// <summary>The <paramref name="p"/> quantile of sorted values, interpolated linearly between order statistics (numpy's default).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) throw new ArgumentException("the quantile of no values is undefined.", nameof(sorted));
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie in 0..1.");
        double h = (sorted.Count - 1) * p;
        int lo = (int)Math.Floor(h), hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    static double Mean(IReadOnlyList<double> values)
    {
        double sum = 0;
        for (int i = 0; i < values.Count; i++) sum += values[i];
        return sum / values.Count;
    }
}
