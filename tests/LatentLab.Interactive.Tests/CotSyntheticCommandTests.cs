using LatentLab.Activations;
using LatentLab.Probes;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

public class CotSyntheticCommandTests
{
    const string Tiny = "--chain-length 8 --layers 1 --width 16 --heads 2 --steps 120 --batch 32 --questions 80 --seed 1 --device cpu";

    [Fact]
    public async Task CotSynthetic_Tiny_BindsAnActivationSet_ThatProbeSweepReadsFromTheVariable()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var trained = await kernel.SubmitAsync($"#!cot-synthetic {Tiny} --out acts");

        trained.AssertSucceeded();
        var acts = kernel.Bound<ActivationSet>("acts");
        Assert.Equal(80, acts.Count);
        Assert.Equal(2, acts.Layers);          // embedding + 1 block
        Assert.Equal(10, acts.Positions);      // BOS, 8 chain tokens, ANS
        Assert.Equal(16, acts.Dim);
        Assert.NotNull(acts.BaselineScores);
        var html = string.Join("\n", trained.Html());
        Assert.Contains("Synthetic chain-of-thought model", html);
        Assert.Contains("held-out questions [95% CI", html);
        Assert.Contains("<code>acts</code> now holds the result", html);
        var progress = trained.Events.OfType<DisplayedValueUpdated>().Select(e => e.Formatted("text/plain")).ToList();
        Assert.NotEmpty(progress);
        Assert.Contains(progress, p => p.Contains("recording activations") || p.Contains("step 120/120"));

        var swept = await kernel.SubmitAsync("#!probe-sweep --activations acts --folds 3 --control --device cpu --out sweep");

        swept.AssertSucceeded();
        var sweep = kernel.Bound<ProbeSweepResult>("sweep");
        Assert.Equal(2 * 10, sweep.Cells.Count);
        Assert.True(sweep.HasBaseline);
        // At ANS (last position) the model's own answer-letter logits give its answer: the baseline is exact there.
        Assert.Equal(1.0, sweep.Cell(1, 9)!.BaselineAccuracy);
    }

    [Fact]
    public async Task CotSynthetic_Interrupted_BindsThePartlyTrainedModelsActivations_MarkedPartial()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var training = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            if (e is DisplayedValueUpdated d && d.Formatted("text/plain").Contains("/1000000 steps")) training.TrySetResult();
        });

        var running = kernel.SubmitAsync("#!cot-synthetic --chain-length 8 --layers 1 --width 16 --heads 2 --steps 1000000 --batch 32 --questions 80 --seed 1 --device cpu --out acts");
        await training.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await kernel.SendAsync(new Cancel());
        var interrupted = await running;
        Assert.NotNull(interrupted.Failure());
        Assert.Contains(interrupted.Events.OfType<DisplayedValueUpdated>(),
            u => u.Formatted("text/plain").StartsWith("Interrupted: acts will hold the activations of the partly trained model"));

        // The very next cell sees the partial result: it waits for the interrupted command to bind it (PendingResults).
        var next = await kernel.SubmitAsync("$\"{acts.Count} {acts.Layers} {acts.Positions} {acts.Dim}\"");
        Assert.Equal("80 2 10 16", next.ReturnedText());
        var acts = kernel.Bound<ActivationSet>("acts");
        Assert.Contains("PARTIAL: training interrupted after", acts.Source);
        Assert.Equal("2", (await kernel.SubmitAsync("$\"{1 + 1}\"")).ReturnedText());
    }

    [Theory]
    [InlineData("--width 30 --heads 4", "--width 30 must be a multiple of --heads 4")]
    [InlineData("--steps 0", "--steps must be from 1 to 1000000 (got 0)")]
    [InlineData("--questions 5", "--questions must be from 10 to 1000000 (got 5)")]
    [InlineData("--choices 9", "--choices must be from 2 to 8 (got 9)")]
    public async Task CotSynthetic_BadOption_FailsWithAClearMessage_ThenTheKernelRunsTheNextCell(string options, string expected)
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var result = await kernel.SubmitAsync($"#!cot-synthetic {options}");

        Assert.Contains(expected, result.Failure()?.Message ?? "(no failure)");
        Assert.Equal("2", (await kernel.SubmitAsync("$\"{1 + 1}\"")).ReturnedText());
    }
}
