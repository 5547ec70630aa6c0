using LatentLab.Reports;
using LatentLab.Statistics;

namespace LatentLab.Tests.Reports;

public class ReportPartsTests
{
    [Fact]
    public void Card_EscapesText_AndRendersTheSameRowsAsHtmlAndText()
    {
        var card = new Card("Probe <sweep>").Flag("PARTIAL").Subtitle("a & b")
            .Row("cells", "3 of <4>")
            .Row("accuracy", "0.90 [0.80, 0.95]", ReportFormat.CiHtml(0.9, 0.8, 0.95))
            .Note("Next: run it again")
            .Render();

        Assert.StartsWith("<div class=\"latentlab-card\"", card.Html);
        Assert.Contains("Probe &lt;sweep&gt;", card.Html);
        Assert.Contains("a &amp; b", card.Html);
        Assert.Contains(">3 of &lt;4&gt;</td>", card.Html);
        Assert.Contains($"0.90 <span style=\"color:{Palette.Faint}\">[0.80, 0.95]</span>", card.Html);
        Assert.Equal("Probe <sweep> PARTIAL\n  a & b\n  cells: 3 of <4>\n  accuracy: 0.90 [0.80, 0.95]\n  Next: run it again", card.Text);
    }

    [Fact]
    public void Table_PadsTextColumns_AndShowsCisAndMissingValues()
    {
        var table = new Table("policy", "regret")
            .AddRow(true, "student", TableCell.Ci(new MeanCi(1.5, 1.25, 1.75, 10)))
            .AddRow("ucb1", TableCell.Ci(null))
            .Render();

        // Widths: "student" (7) and "1.50 [1.25, 1.75]" (17); the first column is left-aligned, the others right-aligned.
        Assert.Equal("policy" + new string(' ', 14) + "regret\nstudent  1.50 [1.25, 1.75]\nucb1" + new string(' ', 19) + "n/a", table.Text);
        Assert.Contains("<tr style=\"font-weight:bold\"><td", table.Html);
        Assert.Contains("1.50 <span", table.Html);
        Assert.Contains(">n/a</td>", table.Html);
        var e = Assert.Throws<ArgumentException>(() => new Table("a", "b").AddRow("only one"));
        Assert.Contains("has 1 cells but the table has 2 columns (a, b)", e.Message);
    }

    [Fact]
    public void Format_NumbersDurationsAndRates()
    {
        Assert.Equal("n/a", ReportFormat.Number(double.NaN));
        Assert.Equal("1.23", ReportFormat.Number(1.234));
        Assert.Equal("12.3 s", ReportFormat.Duration(TimeSpan.FromSeconds(12.34)));
        Assert.Equal("4:05", ReportFormat.Duration(TimeSpan.FromSeconds(245)));
        Assert.Equal("1:04:05", ReportFormat.Duration(TimeSpan.FromSeconds(3845)));
        Assert.Equal("n/a", ReportFormat.Duration(null));
        Assert.Equal("1.23 M", ReportFormat.Rate(1_234_000));
        Assert.Equal("45.6 k", ReportFormat.Rate(45_600));
        Assert.Equal("7.8", ReportFormat.Rate(7.8));
        Assert.Equal("[#####.....]", ProgressBar.Text(0.5, 10));
        Assert.Contains("width:25%", ProgressBar.Html(0.25));
        Assert.Contains(Palette.Red, ProgressBar.Html(0.25, stopped: true));
        Assert.Equal("rgba(31,119,180,0.2)", Palette.Rgba(Palette.Blue, 0.2));
        Assert.Contains("#rrggbb", Assert.Throws<ArgumentException>(() => Palette.Rgba("blue", 0.2)).Message);
    }

    [Fact]
    public void CiBand_IsLowThenFilledHighThenTheMean_InOneLegendGroup()
    {
        var traces = ChartParts.CiBand("ucb1", new[] { 1, 2 }, [1, 2], [0.5, 1.5], [1.5, 2.5], Palette.Blue, bandName: "95% CI").ToList();
        var html = XPlot.Plotly.Chart.Plot(traces).GetInlineHtml().Replace(" ", "");

        Assert.Equal(3, traces.Count);
        Assert.Contains("\"fill\":\"tonexty\"", html);
        Assert.Contains("\"fillcolor\":\"rgba(31,119,180,0.2)\"", html);
        Assert.Contains("\"name\":\"95%CI\"", html);
        Assert.Contains("\"legendgroup\":\"ucb1\"", html);
        var marked = XPlot.Plotly.Chart.Plot(traces);
        marked.WithLayout(new XPlot.Plotly.Layout.Layout { shapes = [ChartParts.VerticalMarker(50)] });
        var layout = marked.GetInlineHtml().Replace(" ", "");
        Assert.Contains("\"x0\":50", layout);
        Assert.Contains("\"dash\":\"dash\"", layout);
        Assert.Throws<ArgumentException>(() => ChartParts.CiBand("x", new[] { 1 }, [1], [], [2], Palette.Blue).ToList());
    }
}
