using LatentLab.Perturbation;

namespace LatentLab.Tests.Perturbation;

public class HalfwayPointTests
{
    static double[] LogGrid(double lo, double hi, int n) =>
        Enumerable.Range(0, n).Select(i => Math.Exp(Math.Log(lo) + (Math.Log(hi) - Math.Log(lo)) * i / (n - 1))).ToArray();

    /// <summary>A curve linear in log s from clean at 1e-3 that is halfway to chance at <paramref name="s50"/>.</summary>
    static double Line(double s, double clean, double chance, double s50) =>
        clean + (chance - clean) * 0.5 * (Math.Log(s) - Math.Log(1e-3)) / (Math.Log(s50) - Math.Log(1e-3));

    [Theory]
    [InlineData(0.9, 0.25, 0.05)]    // falling to chance
    [InlineData(0.1, 0.75, 0.3)]     // rising to chance (e.g. a concern rate)
    public void Find_OnACurveLinearInLogS_ReturnsTheKnownS50(double clean, double chance, double s50)
    {
        var grid = LogGrid(1e-3, 3, 24);
        var curve = grid.Select(s => Line(s, clean, chance, s50)).ToArray();
        var (value, status) = HalfwayPoint.Find(grid, curve, clean, chance);
        Assert.Equal(HalfwayStatus.Reached, status);
        Assert.Equal(s50, value, 9);
    }

    [Fact]
    public void Find_EdgeCases_AreNamed()
    {
        double[] grid = [0.1, 1];
        Assert.Equal(HalfwayStatus.NotReached, HalfwayPoint.Find(grid, [0.9, 0.8], 0.9, 0.25).Status);
        Assert.Equal(HalfwayStatus.AtChance, HalfwayPoint.Find(grid, [0.25, 0.25], 0.25, 0.25).Status);
        var (below, status) = HalfwayPoint.Find(grid, [0.0, 0.0], 1.0, 0.0);  // linear from (0, 1) to (0.1, 0): halfway at 0.05
        Assert.Equal(HalfwayStatus.BelowGrid, status);
        Assert.Equal(0.05, below, 12);
        Assert.Throws<ArgumentException>(() => HalfwayPoint.Find(grid, [1.0], 1, 0));
    }

    [Fact]
    public void Curve_S50AndSpecificity_OnSyntheticSeeds_RecoverTheKnownValues()
    {
        // Two metrics: "behaviour" halfway at 0.02, "capability" halfway at 0.2; each seed adds its own constant offset.
        var grid = LogGrid(1e-3, 3, 24);
        var rng = new Random(3);
        int seeds = 32;
        var offsets = Enumerable.Range(0, seeds).Select(_ => (rng.NextDouble() - 0.5) * 0.02).ToArray();
        offsets = offsets.Select(o => o - offsets.Average()).ToArray();        // mean offset exactly 0
        var values = grid.Select(s =>
        {
            var a = new double[seeds, 2];
            for (int r = 0; r < seeds; r++)
            {
                a[r, 0] = Line(s, 0.9, 0.3, 0.02) + offsets[r];
                a[r, 1] = Line(s, 0.95, 0.25, 0.2) + offsets[r];
            }
            return a;
        }).ToArray();
        var curve = new PerturbationCurve("synthetic", "test", ["behaviour", "capability"], "capability", [0.9, 0.95], [0.3, 0.25], grid, values, 500);
        var h = curve.Halfway("behaviour");
        Assert.Equal(0.02, h.Value, 6);
        Assert.True(h.Low <= 0.02 && 0.02 <= h.High, h.ToString());
        Assert.True(h.High / h.Low < 1.5, h.ToString());
        var (ratio, low, high) = curve.SpecificityRatio("behaviour");
        Assert.Equal(0.1, ratio, 5);
        Assert.True(low <= 0.1 && 0.1 <= high, $"{low} {high}");
        var ci = curve.MeanCurve("behaviour")[5];
        Assert.True(ci.Low < ci.Mean && ci.Mean < ci.High);
        var improvement = curve.ImprovementRatio("behaviour");
        Assert.Equal(seeds, improvement.Seeds);
        Assert.True(improvement.Max >= improvement.Mean);
    }
}
