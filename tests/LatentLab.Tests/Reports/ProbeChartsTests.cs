using LatentLab.Probes;
using LatentLab.Reports;

namespace LatentLab.Tests.Reports;

public class ProbeChartsTests
{
    static ProbeSweepResult Result(bool partial = false) => new()
    {
        Cells = [
            new ProbeCell(0, 0, 0.50, 0.40, 0.60, 0.52, -0.02, 0.49, 100, 50),
            new ProbeCell(0, 1, 0.90, 0.83, 0.94, 0.50, 0.40, 0.55, 100, 90),
            new ProbeCell(1, 0, 0.55, 0.45, 0.64, 0.48, 0.07, 0.49, 100, 55),
            new ProbeCell(1, 1, 0.97, 0.92, 0.99, 0.51, 0.46, 0.55, 100, 97)],
        Layers = [0, 1],
        Positions = [0, 1],
        Options = new ProbeSweepOptions(),
        Questions = 100,
        ClassNames = ["A", "B"],
        ChanceAccuracy = 0.5,
        HasBaseline = true,
        IsPartial = partial,
        Source = "test <set>",
    };

    [Fact]
    public void Heatmap_HoldsTheAccuracyGrid()
    {
        var html = ProbeCharts.AccuracyHeatmap(Result()).GetInlineHtml();
        Assert.Contains("heatmap", html);
        Assert.Contains("0.97", html);
        Assert.Contains("layer 1", html);
    }

    [Fact]
    public void AlongChain_AtTheBestLayer_HasBandControlBaselineAndChance()
    {
        var r = Result();
        Assert.Equal(1, r.BestLayer);
        var html = ProbeCharts.AccuracyAlongChain(r).GetInlineHtml();
        foreach (var name in new[] { "probe accuracy, layer 1", "95% CI (Wilson)", "control task", "answer-letter logits", "chance" })
            Assert.Contains(name, html);
        Assert.Contains("tonexty", html);
        Assert.Throws<ArgumentException>(() => ProbeCharts.AccuracyAlongChain(r, layer: 5));
    }

    [Fact]
    public void SummaryCard_NamesBestCellReadabilityAndPartial()
    {
        var html = ProbeReport.SummaryHtml(Result(partial: true));
        Assert.Contains("partial", html);
        Assert.Contains("layer 1, position 1: accuracy 0.970 [95% CI 0.920, 0.990]", html);
        Assert.Contains("position 1; the answer-letter logits reach that accuracy (0.970) at no position", html);
        Assert.Contains("test &lt;set&gt;", html);
    }
}
