using LatentLab.Reports;

namespace LatentLab.Tests.Reports;

public class PlotlyJsTests
{
    [Fact]
    public void EmbeddedBundle_IsPlotlyJs412_WithItsMitLicence()
    {
        Assert.StartsWith("/**\n* plotly.js v4.1.2", PlotlyJs.OriginalBundle);
        Assert.InRange(PlotlyJs.OriginalBundle.Length, 4_000_000, 6_000_000);
        Assert.StartsWith("MIT License", PlotlyJs.License);
        Assert.Contains("Plotly", PlotlyJs.License);
    }

    [Fact]
    public void EmittedBundle_NamesNoCdn_ButIsOtherwiseTheOriginal()
    {
        Assert.Contains("cdn.", PlotlyJs.OriginalBundle); // geo/map defaults: the reason for the rewrite
        Assert.DoesNotContain("cdn.", PlotlyJs.Bundle, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("https://offline.invalid/", PlotlyJs.Bundle);
        var originalWithoutUrls = System.Text.RegularExpressions.Regex.Replace(PlotlyJs.OriginalBundle, "https?://[^\"'`/]+/", "U/");
        var emittedWithoutUrls = System.Text.RegularExpressions.Regex.Replace(PlotlyJs.Bundle, "https?://[^\"'`/]+/", "U/");
        Assert.Equal(originalWithoutUrls, emittedWithoutUrls);
    }

    [Fact]
    public void ScriptTag_HidesModuleLoaders_AndSkipsWhenPlotlyIsLoaded()
    {
        var tag = PlotlyJs.ScriptTag();

        Assert.StartsWith("<script type=\"text/javascript\">", tag);
        Assert.EndsWith("</script>", tag);
        Assert.Contains("(function (define, module, exports) {", tag);
        Assert.Contains("if (typeof window !== 'undefined' && window.Plotly) { return; }", tag);
        Assert.Equal(1, CountOf(tag, "</script"));
    }

    static int CountOf(string text, string part) =>
        (text.Length - text.Replace(part, "", StringComparison.OrdinalIgnoreCase).Length) / part.Length;
}
