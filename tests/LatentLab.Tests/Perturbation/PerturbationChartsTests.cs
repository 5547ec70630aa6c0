using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Reports;

namespace LatentLab.Tests.Perturbation;

[Collection("torch threads")]
public class PerturbationChartsTests
{
    [Fact]
    public void MetricCurves_TwoNetworks_HaveLogAxisBandsCleanValuesChanceAndS50Markers()
    {
        var env = PerturbationFixtures.Environment();
        using var a = PerturbationFixtures.Subject("pre-RL", 21, env: env);
        using var b = PerturbationFixtures.Subject("post-RL", 22, env: env);
        var curves = PerturbationSweep.Compare(a, b, PerturbationFixtures.Quick with { NoiseMax = 30, Points = 6 });
        var html = ChartHtml.ToHtml(PerturbationCharts.MetricCurves(curves, AlignmentMetrics.ComplianceTrain), includePlotlyJs: false);
        Assert.Contains("\"type\":\"log\"", html);
        Assert.Contains("pre-RL", html);
        Assert.Contains("post-RL", html);
        Assert.Contains("tonexty", html);
        Assert.Contains("chance 0.333", html);
        Assert.Contains("diamonds: s50, halfway to chance", html);   // the subtitle line of the two-line title
        foreach (var c in curves)
            Assert.Contains($"{c.Model} clean {c.Clean[c.MetricIndex(AlignmentMetrics.ComplianceTrain)]:0.###}", html);
        foreach (var c in curves)
            if (!double.IsNaN(c.Halfway(AlignmentMetrics.ComplianceTrain).Value)) Assert.Contains($"{c.Model} s50 =", html);
        Assert.Throws<ArgumentException>(() => PerturbationCharts.MetricCurves([], AlignmentMetrics.ComplianceTrain));
    }
}
