using LatentLab.Hosts.Tests.Infrastructure;
using LatentLab.Hosts.Tests.Pictures;

namespace LatentLab.Hosts.Tests;

/// <summary>The chart check itself, on pages whose pictures are known: a drawn trace passes, an empty plot fails.</summary>
public sealed class PixelCheckTests
{
    private const string Axes = """
        <line x1="60" y1="20" x2="60" y2="380" stroke="#444" stroke-width="1"/>
        <line x1="60" y1="380" x2="760" y2="380" stroke="#444" stroke-width="1"/>
        <line x1="60" y1="200" x2="760" y2="200" stroke="#eee" stroke-width="1"/>
        """;

    [Fact]
    public async Task TraceCheck_CountsADrawnLine_AndRejectsAnEmptyPlot()
    {
        var drawn = await PixelsOfAsync("drawn", Axes + """<polyline points="60,380 200,250 400,150 760,40" fill="none" stroke="#1f77b4" stroke-width="2"/>""");
        var empty = await PixelsOfAsync("empty", Axes);

        Assert.True(drawn.LooksLikeADrawnTrace, $"A drawn line was not recognised: {drawn}");
        Assert.False(empty.LooksLikeADrawnTrace, $"An empty plot was taken for a drawn one: {empty}");
        Assert.Equal(0, empty.Count);
    }

    [Fact]
    public async Task PngDecoder_ReadsChromiumScreenshots_PixelExact()
    {
        // A 100 x 50 block of a known colour on white: exactly 5000 pixels of it.
        var pixels = await PixelsOfAsync("block", """<rect x="10" y="10" width="100" height="50" fill="#1f77b4"/>""", tolerance: 0);
        Assert.Equal(new ColoredPixels(5000, 50, 100), pixels);
    }

    [Fact]
    public async Task Screenshots_AreTakenOffline_AScriptFromACdnNeverRuns()
    {
        // If plotly.js loaded from its CDN, the page would paint a 100 x 50 block in the trace colour. On a machine
        // with internet access this fails unless Chromium's network is really cut (host-resolver rules, dead proxy);
        // on one without, it holds anyway and the chart tests are offline by construction.
        var pixels = await PixelsOfAsync(
            "cdn-script",
            "",
            tolerance: 0,
            head: """
                <script src="https://cdn.plot.ly/plotly-2.35.2.min.js"></script>
                <script>window.addEventListener("load", () => { if (window.Plotly) document.getElementById("probe").style.display = "block"; });</script>
                """,
            after: """<div id="probe" style="display:none;width:100px;height:50px;background:#1f77b4"></div>""");

        Assert.Equal(0, pixels.Count);
    }

    private static async Task<ColoredPixels> PixelsOfAsync(string name, string svgBody, int tolerance = 40, string head = "", string after = "")
    {
        var directory = Path.Combine(RepoLayout.Artifacts, "pixel-check");
        Directory.CreateDirectory(directory);
        var html = Path.Combine(directory, name + ".html");
        File.WriteAllText(html, $"""
            <!DOCTYPE html><html><head>{head}</head><body style="margin:0;background:#fff">
            <svg width="800" height="400" xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">{svgBody}</svg>{after}
            </body></html>
            """);
        var png = Path.ChangeExtension(html, ".png");
        await Chromium.ScreenshotAsync(html, png, 800, 400);
        return ColoredPixels.Measure(PngImage.Load(png), ColoredPixels.PlotlyTraceColors[0], tolerance);
    }
}
