using LatentLab.Statistics;

namespace LatentLab.Tests.Statistics;

public class BootstrapCiTests
{
    [Fact]
    public void OfMean_OfThreeValues_ConvergesToTheExactBootstrapQuantiles()
    {
        // The exact bootstrap distribution of the mean of {1, 2, 6}: 27 equally likely ordered resamples.
        // Lowest means: 1 (1,1,1: 1/27 = 3.7%), then 4/3 (two 1s and a 2: 3/27, cumulative 14.8%), so the 5% quantile is 4/3.
        // Highest: 6 (6,6,6: 3.7%), then 14/3 (two 6s and a 2: 3/27, cumulative 14.8%), so the 95% quantile is 14/3.
        // With 20000 resamples the 5% order statistic (index ~1000) sits deep inside the 4/3 atom (ranks ~741..2963).
        var ci = BootstrapCi.OfMean([1, 2, 6], resamples: 20_000, seed: 3, level: 0.90);

        Assert.Equal(3.0, ci.Mean, 12);
        Assert.Equal(4.0 / 3, ci.Low, 12);
        Assert.Equal(14.0 / 3, ci.High, 12);
        Assert.Equal(3, ci.N);
    }

    [Fact]
    public void OfMean_OnALargeNormalSample_AgreesWithTheNormalTheoryInterval()
    {
        var rng = new Random(11);
        var values = Enumerable.Range(0, 2000).Select(_ => 5 + 2 * StandardNormal(rng)).ToArray();
        double mean = values.Average(), sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        var normal = MeanCi.FromMoments(mean, sd, values.Length);

        var boot = BootstrapCi.OfMean(values, resamples: 10_000, seed: 1);

        // Monte-Carlo error of a 2.5% bootstrap quantile with 10000 resamples is ~1.4% of the half-width; allow 5%.
        Assert.Equal(normal.Mean, boot.Mean, 12);
        Assert.InRange(boot.Low, normal.Low - 0.05 * normal.HalfWidth, normal.Low + 0.05 * normal.HalfWidth);
        Assert.InRange(boot.High, normal.High - 0.05 * normal.HalfWidth, normal.High + 0.05 * normal.HalfWidth);
    }

    [Fact]
    public void OfMean_IsSeeded_AndAConstantSampleHasAZeroWidthInterval()
    {
        double[] seeds = [10.2, 11.9, 9.4, 10.8, 12.5, 9.9, 11.1, 10.4];
        Assert.Equal(BootstrapCi.OfMean(seeds, seed: 5), BootstrapCi.OfMean(seeds, seed: 5));
        var constant = BootstrapCi.OfMean([4.5, 4.5, 4.5, 4.5]);
        Assert.Equal((4.5, 4.5), (constant.Low, constant.High));
    }

    [Fact]
    public void Quantile_InterpolatesLikeNumpyPercentile()
    {
        // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) = [1.0, 1.75, 2.5, 3.7, 4.0]
        double[] sorted = [1, 2, 3, 4];
        Assert.Equal(1.0, BootstrapCi.Quantile(sorted, 0), 12);
        Assert.Equal(1.75, BootstrapCi.Quantile(sorted, 0.25), 12);
        Assert.Equal(2.5, BootstrapCi.Quantile(sorted, 0.5), 12);
        Assert.Equal(3.7, BootstrapCi.Quantile(sorted, 0.9), 12);
        Assert.Equal(4.0, BootstrapCi.Quantile(sorted, 1), 12);
    }

    [Fact]
    public void BadInput_SaysWhatIsWrong()
    {
        Assert.Contains("at least one value", Assert.Throws<ArgumentException>(() => BootstrapCi.OfMean([])).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => BootstrapCi.OfMean([1, double.NaN])).Message);
        Assert.Contains("at least 100", Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapCi.OfMean([1, 2], resamples: 10)).Message);
        Assert.Contains("strictly between 0 and 1", Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapCi.OfMean([1, 2], level: 95)).Message);
    }

    static double StandardNormal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
