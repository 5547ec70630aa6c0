using LatentLab.Hosts.Tests.Infrastructure;
using LatentLab.Hosts.Tests.Notebooks;
using LatentLab.Hosts.Tests.Pictures;
using Xunit.Abstractions;

namespace LatentLab.Hosts.Tests;

/// <summary>
/// The getting-started notebook through Jupyter's .NET kernel (`jupyter nbconvert --execute`, the README's
/// tests/run-notebook.sh), exported to HTML, and photographed by headless Chromium with no network.
/// </summary>
public sealed class JupyterNotebookTests(ITestOutputHelper output)
{
    private const string Notebook = "00-getting-started";

    [Fact]
    public async Task GettingStarted_RunsInJupyter_AndItsHtmlExportDrawsTheChartOffline()
    {
        var (version, executed) = await RunThroughJupyterAsync(Notebook, TimeSpan.FromMinutes(25));
        var html = Path.Combine(RepoLayout.Artifacts, Notebook + ".html");

        foreach (var file in new[] { executed, html })
        {
            var text = File.ReadAllText(file);
            var leaks = MachineSpecifics.Find(text);
            Assert.True(leaks.Count == 0, $"{file} holds machine-specific text:\n" + string.Join("\n", leaks));
            Assert.DoesNotContain("cdn.plot.ly", text, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"LatentLab.Interactive, {version}", text);
        }

        var executedText = File.ReadAllText(executed);
        Assert.DoesNotContain("probeAddresses(", executedText); // the kernel's start-up script, removed by the scrubber
        Assert.DoesNotContain("cdnjs.cloudflare.com", executedText);

        var png = Path.Combine(RepoLayout.Artifacts, Notebook + ".png");
        await Chromium.ScreenshotAsync(html, png, 1200, 9000);
        var drawn = PlotlyTracePixels(png);
        output.WriteLine($"Plotly trace pixels in {png}: {drawn}");
        Assert.True(drawn.LooksLikeADrawnTrace, $"The chart in {html} did not draw: {drawn} (screenshot {png}).");

        // Negative control: the same page with Plotly's drawing call disabled must fail the same check,
        // so the check above cannot pass on a blank chart.
        var page = File.ReadAllText(html);
        var blankPage = page.Replace("Plotly.newPlot(", "(function () {})(", StringComparison.Ordinal);
        Assert.NotEqual(page, blankPage);
        var blankHtml = Path.Combine(RepoLayout.Artifacts, Notebook + ".blank-control.html");
        File.WriteAllText(blankHtml, blankPage);
        var blankPng = Path.ChangeExtension(blankHtml, ".png");
        await Chromium.ScreenshotAsync(blankHtml, blankPng, 1200, 9000);
        var blank = PlotlyTracePixels(blankPng);
        output.WriteLine($"Plotly trace pixels with drawing disabled: {blank}");
        Assert.False(blank.LooksLikeADrawnTrace, $"The control page without Plotly.newPlot still counts as drawn: {blank}.");
    }

    public static TheoryData<string> Walkthroughs()
    {
        var data = new TheoryData<string>();
        foreach (var file in RepoLayout.NotebookFiles())
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (name != Notebook) data.Add(name);
        }
        return data;
    }

    /// <summary>
    /// Every other walkthrough also runs through Jupyter's .NET kernel (quick configuration): Jupyter is the host that
    /// hung on magic commands with several <c>@csharp:</c> tokens while dotnet-repl did not, so dotnet-repl alone is not
    /// enough. A hang fails the test at its timeout instead of stalling the run.
    /// </summary>
    [Theory]
    [MemberData(nameof(Walkthroughs))]
    public async Task Walkthrough_RunsInJupyter_WithNoUnexpectedCellFailure_AndNoMachineSpecifics(string notebook)
    {
        var (version, executed) = await RunThroughJupyterAsync(notebook, TimeSpan.FromMinutes(8));
        var text = File.ReadAllText(executed);
        Assert.True(MachineSpecifics.Find(text).Count == 0, $"{executed} holds machine-specific text.");
        Assert.Contains($"LatentLab.Interactive, {version}", text);
    }

    /// <summary>
    /// Runs notebooks/<paramref name="notebook"/>.ipynb through tests/run-notebook.sh (Jupyter, fresh pack, quick
    /// configuration) and checks that no cell failed unless tagged raises-exception; returns the pack version and the
    /// executed notebook in artifacts/.
    /// </summary>
    private async Task<(string Version, string Executed)> RunThroughJupyterAsync(string notebook, TimeSpan timeout)
    {
        var version = await FreshPackage.VersionAsync();
        var result = await ProcessRunner.RunAsync(
            "bash",
            [Path.Combine(RepoLayout.Root, "tests", "run-notebook.sh"), notebook],
            RepoLayout.Root,
            timeout,
            NotebookEnvironment.ForTests(version));
        output.WriteLine($"{result.Command} -> {result.ExitCode} in {result.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.ExitCode == 0, result.Describe());

        var executed = Path.Combine(RepoLayout.Artifacts, notebook + ".ipynb");
        var problems = NotebookOutcome.FindProblems(
            NotebookDocument.Load(Path.Combine(RepoLayout.Notebooks, notebook + ".ipynb")), NotebookDocument.Load(executed));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return (version, executed);
    }

    private static ColoredPixels PlotlyTracePixels(string png)
    {
        var image = PngImage.Load(png);
        return ColoredPixels.Measure(image, ColoredPixels.PlotlyTraceColors[0]);
    }
}
