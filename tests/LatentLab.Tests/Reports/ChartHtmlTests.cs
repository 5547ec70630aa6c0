using System.Text.RegularExpressions;
using LatentLab.Reports;
using XPlot.Plotly;

namespace LatentLab.Tests.Reports;

public class ChartHtmlTests
{
    static PlotlyChart SampleChart()
    {
        var chart = Chart.Plot(new Scatter { x = new[] { 1, 2, 3 }, y = new[] { 2.0, 1.5, 3.0 }, name = "ucb1 </script><b>" });
        chart.WithTitle("Regret");
        chart.WithXTitle("step");
        return chart;
    }

    [Fact]
    public void WithoutPlotlyJs_IsADivAndAScriptThatWaitsForPlotly()
    {
        var html = ChartHtml.ToHtml(SampleChart(), includePlotlyJs: false);

        Assert.Matches("^<div id=\"latentlab-chart-[0-9a-f]{32}\" class=\"latentlab-chart\" style=\"width: 900px; height: 500px;\"></div>", html);
        Assert.Contains("window.Plotly.newPlot(el, data, layout", html);
        Assert.Contains("setTimeout(draw, 100)", html);
        Assert.DoesNotContain("plotly.js 4.1.2", html);
        Assert.DoesNotContain("cdn.", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void WithPlotlyJs_StartsWithTheBundleOnce()
    {
        var html = ChartHtml.ToHtml(SampleChart(), includePlotlyJs: true);

        Assert.StartsWith(PlotlyJs.ScriptTag(), html);
        Assert.Single(Regex.Matches(html, Regex.Escape("plotly.js 4.1.2 (c) Plotly")));
        Assert.DoesNotContain("cdn.", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TextInTheChart_CannotCloseTheScriptElement()
    {
        var html = ChartHtml.ToHtml(SampleChart(), includePlotlyJs: false);

        Assert.Single(Regex.Matches(html, "</script>"));
        Assert.Contains("ucb1 \\u003C/script\\u003E\\u003Cb\\u003E", html);
    }

    [Fact]
    public void Titles_UseTheObjectFormOfPlotlyJs4()
    {
        var (data, layout) = ChartHtml.ToJson(SampleChart());

        Assert.Contains("\"title\":{\"text\":\"Regret\"}", layout);
        Assert.Contains("\"xaxis\":{\"title\":{\"text\":\"step\"}}", layout);
        Assert.DoesNotContain("_isSubplotObj", layout);
        Assert.Contains("\"x\":[1,2,3]", data);
    }

    [Fact]
    public void ChartWithoutLayout_GetsAnEmptyLayout()
    {
        var (_, layout) = ChartHtml.ToJson(Chart.Plot(new Scatter { x = new[] { 1 }, y = new[] { 1 } }));
        Assert.Equal("{}", layout);
    }

    [Fact]
    public void Page_IsStandaloneAndOffline()
    {
        var page = ChartHtml.ToPage(SampleChart(), "Regret <test>");

        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("<title>Regret &lt;test&gt;</title>", page);
        Assert.Contains("plotly.js 4.1.2", page);
        Assert.DoesNotContain("cdn.", page, StringComparison.OrdinalIgnoreCase);
    }
}
