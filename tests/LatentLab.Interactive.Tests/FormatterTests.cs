using System.Reflection;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

public class FormatterTests
{
    [Fact]
    public async Task Tensor_DisplaysAsPyTorchStyleRepr()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var result = await kernel.SubmitAsync("TorchSharp.torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2)");

        result.AssertSucceeded();
        var shown = result.Events.OfType<ReturnValueProduced>().Single();
        const string repr = "tensor([[1., 2.],\n        [3., 4.]], shape=(2, 2), dtype=torch.float32, device='cpu')";
        Assert.Equal("<pre class=\"latentlab-tensor\">" + System.Net.WebUtility.HtmlEncode(repr) + "</pre>", shown.Formatted("text/html"));
    }

    [Fact]
    public async Task Tensor_PlainTextIsTheRepr()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var result = await kernel.SubmitAsync(
            "Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(TorchSharp.torch.arange(2000), \"text/plain\")");

        result.AssertSucceeded();
        // PyTorch moves suffixes that would pass column 80 to the next line, aligned under the values.
        Assert.Equal("tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=(2000,),\n       dtype=torch.int64, device='cpu')",
            result.ReturnedText());
    }

    [Fact]
    public async Task Chart_FirstDisplayCarriesPlotlyJs_SecondDoesNot_NeitherNamesACdn()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        const string chart = "XPlot.Plotly.Chart.Line(new[] { 1.0, 3.0, 2.0 })";

        var first = (await kernel.SubmitAsync(chart)).Events.OfType<ReturnValueProduced>().Single().Formatted("text/html");
        var second = (await kernel.SubmitAsync(chart)).Events.OfType<ReturnValueProduced>().Single().Formatted("text/html");

        const string bundleMarker = "plotly.js 4.1.2 (c) Plotly, Inc., MIT licence";
        Assert.Contains(bundleMarker, first);
        Assert.True(first.Length > 4_000_000, $"first chart is {first.Length} chars; plotly.js should be inline");
        Assert.DoesNotContain(bundleMarker, second);
        Assert.True(second.Length < 5_000, $"second chart is {second.Length} chars");
        foreach (var html in new[] { first, second })
        {
            Assert.Contains("window.Plotly.newPlot(el, data, layout", html);
            Assert.Contains("[1.0,3.0,2.0]", html);
            Assert.DoesNotContain("cdn.", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<script src", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Chart_EachNotebookSessionGetsPlotlyJsInItsFirstChart()
    {
        const string chart = "XPlot.Plotly.Chart.Line(new[] { 1.0, 2.0 })";
        using var one = await KernelTestHost.CreateAsync();
        using var two = await KernelTestHost.CreateAsync();

        var inOne = (await one.SubmitAsync(chart)).Events.OfType<ReturnValueProduced>().Single().Formatted("text/html");
        var inTwo = (await two.SubmitAsync(chart)).Events.OfType<ReturnValueProduced>().Single().Formatted("text/html");

        Assert.Contains("plotly.js 4.1.2", inOne);
        Assert.Contains("plotly.js 4.1.2", inTwo);
    }

    [Fact]
    public async Task DataFrame_KeepsMicrosoftDataAnalysisTableFormatter()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        await LoadDataAnalysisExtensionAsync(kernel);
        await new LatentLabKernelExtension().OnLoadAsync(kernel); // loading LatentLab after it must not take DataFrames over

        var result = await kernel.SubmitAsync("""
            var df = new Microsoft.Data.Analysis.DataFrame(
                new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<int>("step", new[] { 1, 2 }),
                new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<double>("regret", new[] { 0.5, 0.75 }));
            df
            """);

        result.AssertSucceeded();
        var html = result.Events.OfType<ReturnValueProduced>().Single().Formatted("text/html");
        // Microsoft.Data.Analysis's formatter: a table with an index column, then the DataFrame's columns.
        Assert.Contains("<thead><tr><th><i>index</i></th><th>step</th><th>regret</th></tr></thead>", html);
        Assert.Contains("0.75", html);
    }

    /// <summary>
    /// Loads the formatter extension that ships in Microsoft.Data.Analysis's package from inside a cell, as the host does
    /// after `#r "nuget:"` (that extension needs a running submission).
    /// </summary>
    static async Task LoadDataAnalysisExtensionAsync(Kernel kernel)
    {
        var version = typeof(Microsoft.Data.Analysis.DataFrame).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                       ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "microsoft.data.analysis", version, "interactive-extensions", "dotnet", "Microsoft.Data.Analysis.Interactive.dll");
        Assert.True(File.Exists(path), $"Microsoft.Data.Analysis's notebook extension was not found at {path}");
        var load = await kernel.SubmitAsync($$"""
            #r "{{path}}"
            await new Microsoft.Data.Analysis.Interactive.DataFrameKernelExtension().OnLoadAsync(Microsoft.DotNet.Interactive.Kernel.Root);
            """);
        load.AssertSucceeded();
    }
}
