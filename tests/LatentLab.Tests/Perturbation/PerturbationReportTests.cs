using LatentLab.Perturbation;
using LatentLab.Reports;

namespace LatentLab.Tests.Perturbation;

public class PerturbationReportTests
{
    [Fact]
    public void Summary_HasOneRowPerMetric_WithTheCurvesCleanChanceAndS50()
    {
        using var subject = PerturbationFixtures.Subject("p", 12);
        var curve = PerturbationSweep.Run(subject, PerturbationFixtures.Quick);
        var summary = PerturbationReport.Summary([curve]);

        Assert.StartsWith($"{curve.Perturbation}: {curve.Grid.Count} noise scales x {curve.Seeds} seeds", summary.Text);
        Assert.Equal(curve.Metrics.Count, summary.Html.Split("<tr").Length - 2);     // header row + one per metric
        foreach (var m in curve.Metrics)
        {
            var h = curve.Halfway(m);
            Assert.Contains(m, summary.Text);
            Assert.Contains(h.Clean.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), summary.Text);
        }
        Assert.Throws<ArgumentException>(() => PerturbationReport.Summary([]));
    }
}
