using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Probes;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

public class ProbeSweepCommandTests
{
    [Fact]
    public async Task ProbeSweep_OnNpyFilesWithAPlantedSignal_LightsTheSignalCellsAndLeavesTheRestAtChance()
    {
        using var data = new ProbeTestData();
        using var kernel = await KernelTestHost.CreateAsync();

        var result = await kernel.SubmitAsync(
            $"#!probe-sweep --activations {data.Activations} --labels {data.Labels} --baseline {data.Baseline} --folds 5 --control --device cpu --out sweep");

        result.AssertSucceeded();
        var sweep = kernel.Bound<ProbeSweepResult>("sweep");
        Assert.False(sweep.IsPartial);
        Assert.Equal(ProbeTestData.L * ProbeTestData.P, sweep.Cells.Count);
        var signal = sweep.Cells.Where(c => c.Layer == ProbeTestData.SignalLayer && c.Position >= ProbeTestData.SignalFrom).ToList();
        var noise = sweep.Cells.Except(signal).ToList();
        Assert.All(signal, c =>
        {
            Assert.True(c.AccuracyCiLow > 0.85, $"signal cell L{c.Layer} P{c.Position}: accuracy {c.Accuracy} [{c.AccuracyCiLow}, {c.AccuracyCiHigh}]");
            Assert.True(c.ControlAccuracy < 0.7, $"control of L{c.Layer} P{c.Position} is {c.ControlAccuracy}");
            Assert.True(c.Selectivity > 0.25, $"selectivity of L{c.Layer} P{c.Position} is {c.Selectivity}");
        });
        Assert.All(noise, c => Assert.True(c.Accuracy < 0.7, $"noise cell L{c.Layer} P{c.Position}: accuracy {c.Accuracy}"));
        Assert.InRange(noise.Average(c => c.Accuracy), 0.38, 0.62);
        Assert.Equal(ProbeTestData.SignalLayer, sweep.BestLayer);
        // The answer-letter baseline is right at the last position only.
        Assert.Equal(1.0, sweep.Cell(0, ProbeTestData.P - 1)!.BaselineAccuracy);
        Assert.InRange(sweep.Cell(0, 0)!.BaselineAccuracy, 0.3, 0.7);

        var html = string.Join("\n", result.Html());
        Assert.Contains("Probe sweep", html);
        Assert.Contains("best cell", html);
        Assert.Contains("selectivity", html);
        Assert.Contains("answer readable from", html);
        // The result's heatmap and chain chart (the live panel, class latentlab-live, draws its own growing chart).
        Assert.Equal(2, CountOf(string.Join("\n", result.Html().Where(h => !h.Contains("class=\"latentlab-live\""))), "class=\"latentlab-chart\""));
        Assert.Contains("Probe accuracy by layer and position", html);
        Assert.Contains($"Belief along the chain at layer {ProbeTestData.SignalLayer}", html);
        Assert.Contains("<code>sweep</code> now holds the result", html);
        var progress = result.Events.OfType<DisplayedValueUpdated>().Last().Formatted("text/plain");
        Assert.Contains($"{sweep.Cells.Count}/{sweep.Cells.Count} cells", progress);
        Assert.Contains("ETA", progress);
    }

    [Fact]
    public async Task ProbeSweep_OutBinding_IsUsableInTheNextCell()
    {
        using var data = new ProbeTestData();
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!probe-sweep --activations {data.Activations} --labels {data.Labels} --layers 1-2 --positions 2,4 --folds 3 --device cpu --out picked")).AssertSucceeded();

        var next = await kernel.SubmitAsync("var df = picked.ToDataFrame(); $\"{df.Rows.Count} rows: {string.Join(\",\", df.Columns.Select(c => c.Name))}; layers {string.Join(\",\", picked.Layers)}\"");

        next.AssertSucceeded();
        Assert.Equal("4 rows: layer,position,accuracy,accuracy_ci_low,accuracy_ci_high,control_accuracy,selectivity,baseline_accuracy; layers 1,2",
            next.ReturnedText());
    }

    [Fact]
    public async Task ProbeSweep_ActivationsFromACSharpVariable_RunsOnThatSet()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync("""
            using LatentLab.Activations;
            var rng = new Random(3);
            int n = 80, l = 2, p = 4, d = 6;
            var labels = Enumerable.Range(0, n).Select(i => i % 2).ToArray();
            var x = new float[n * l * p * d];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
            for (int i = 0; i < n; i++) x[((i * l + 1) * p + 3) * d] += 3f * (2 * labels[i] - 1); // layer 1, position 3, dim 0
            var mine = ActivationSet.FromArray(x, n, l, p, d, labels);
            """)).AssertSucceeded();

        var result = await kernel.SubmitAsync("#!probe-sweep --activations mine --folds 4 --no-control --device cpu --out fromVariable");

        result.AssertSucceeded();
        var sweep = kernel.Bound<ProbeSweepResult>("fromVariable");
        Assert.Equal(8, sweep.Cells.Count);
        Assert.True(sweep.Cell(1, 3)!.AccuracyCiLow > 0.85, $"planted cell: {sweep.Cell(1, 3)}");
        Assert.True(double.IsNaN(sweep.Cell(1, 3)!.ControlAccuracy), "--no-control, so no control accuracy");
        // The notebook's set is not disposed by the sweep: it can be swept again.
        (await kernel.SubmitAsync("#!probe-sweep --activations mine --layers 1 --folds 2 --device cpu --out again")).AssertSucceeded();
    }

    [Fact]
    public async Task ProbeSweep_Interrupted_BindsThePartialResultMarkedPartial_AndTheKernelRunsTheNextCell()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync("""
            using LatentLab.Activations;
            var rng = new Random(5);
            int n = 300, l = 40, p = 16, d = 48;
            var x = new float[n * l * p * d];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
            var big = ActivationSet.FromArray(x, n, l, p, d, Enumerable.Range(0, n).Select(i => i % 2).ToArray());
            """)).AssertSucceeded();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            if (e is DisplayedValueProduced d && d.FormattedValues.Any(v => v.Value.Contains("Probe sweep: reading"))) started.TrySetResult();
        });

        var running = kernel.SubmitAsync("#!probe-sweep --activations big --folds 5 --control --device cpu --out sweep");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await kernel.SendAsync(new Cancel());
        var result = await running;

        Assert.NotNull(result.Failure());
        // The live panel says at once what is kept and where, before the cell closes.
        Assert.Contains(result.Events.OfType<DisplayedValueUpdated>(),
            u => u.Formatted("text/plain").StartsWith("Interrupted: sweep will hold the partial sweep"));
        var sweep = await kernel.EventuallyBoundAsync<ProbeSweepResult>("sweep");
        Assert.True(sweep.IsPartial, "the sweep finished before the interrupt; make the test set bigger");
        Assert.InRange(sweep.CompletedLayers.Count, 0, 39);
        Assert.Equal(sweep.CompletedLayers.Count * 16, sweep.Cells.Count);
        var shown = await kernel.SubmitAsync("sweep");
        shown.AssertSucceeded();
        Assert.Contains("PARTIAL (interrupted)", shown.ReturnedText());
        var html = shown.Events.OfType<ReturnValueProduced>().Single().Formatted("text/html");
        Assert.Contains("(partial: interrupted)", html);
        Assert.Contains("Partial result: the sweep was interrupted after", html);
    }

    static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
