using LatentLab.Models;
using LatentLab.Probes;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Tests.Models;

// Not in parallel with CotSyntheticSubjectTests: SameSeed_SameActivations lost bitwise equality when they ran side by side (cause not found).
[Collection("cot-synthetic")]
public class CotSyntheticTests
{
    static readonly CotSyntheticOptions Tiny = CotSyntheticOptions.Tiny with { Threads = 1 };

    [Fact]
    public void Tiny_TrainsAModelThatAnswers_AndRecordsEveryLayerAndPosition()
    {
        TorchRuntime.EnsureInitialized();
        var progress = new LatentLab.Tests.Probes.SyncProgress<CotSyntheticProgress>();
        var r = CotSynthetic.RunDetailed(Tiny, torch.CPU, progress);
        using var acts = r.Activations;
        Assert.Equal((200, 3, 14, 32), (acts.Count, acts.Layers, acts.Positions, acts.Dim)); // L = blocks + 1; P = BOS + 12 + ANS
        Assert.NotNull(acts.BaselineScores);
        Assert.Equal(2, acts.ClassCount);
        Assert.True(r.AnswerAccuracy > 0.95, $"answer accuracy {r.AnswerAccuracy}");
        Assert.Equal(r.AnswerAccuracy, r.CorrectAnswers / 200.0, 12);                 // the count behind the accuracy (and its Wilson CI)
        Assert.Equal("record", progress.Reports[^1].Phase);
        Assert.True(progress.Reports.Count(p => p.Phase == "train") >= 5);
        Assert.All(r.DecisionPositions, m => Assert.InRange(m, 1, 12));
    }

    [Fact]
    public void Tiny_BeliefEmergesAlongTheChain_EarlierInTheHiddenStateThanInTheLetterLogits()
    {
        TorchRuntime.EnsureInitialized();
        var r = CotSynthetic.RunDetailed(Tiny, torch.CPU);
        using var acts = r.Activations;
        var sweep = ProbeSweep.Run(acts, new ProbeSweepOptions { Threads = 1 }, torch.CPU);
        int best = sweep.BestLayer;
        var cells = sweep.Cells.Where(c => c.Layer == best).OrderBy(c => c.Position).ToList();
        int ans = acts.Positions - 1;
        // Near chance before any decision, high once every answer is decided.
        Assert.True(cells[1].Accuracy < 0.65, $"position 1: {cells[1].Accuracy}");
        int allDecided = Array.FindIndex(r.DecidedFraction(), f => f >= 1.0);
        Assert.True(cells[allDecided].Accuracy > 0.95, $"position {allDecided}: {cells[allDecided].Accuracy}");
        // The letter logits only know the answer at ANS; in the chain they stay near chance while the probe is high.
        Assert.True(cells[ans].BaselineAccuracy > 0.95, $"letters at ANS: {cells[ans].BaselineAccuracy}");
        Assert.True(cells[allDecided].BaselineAccuracy < 0.75, $"letters at {allDecided}: {cells[allDecided].BaselineAccuracy}");
        Assert.True(cells[allDecided].Selectivity > 0.3);
    }

    [Fact]
    public void Interrupted_RecordsThePartlyTrainedModel_FlaggedPartial()
    {
        TorchRuntime.EnsureInitialized();
        using var cts = new CancellationTokenSource();
        var progress = new LatentLab.Tests.Probes.SyncProgress<CotSyntheticProgress>(p => { if (p.Phase == "train" && p.Step >= 75) cts.Cancel(); });
        var r = CotSynthetic.RunDetailed(Tiny, torch.CPU, progress, cts.Token);
        using var acts = r.Activations;
        Assert.True(r.IsPartial);
        Assert.Equal(75, r.StepsCompleted);
        Assert.Equal((200, 3, 14, 32), (acts.Count, acts.Layers, acts.Positions, acts.Dim));
        Assert.Contains("PARTIAL: training interrupted after 75 of 250 steps", acts.Source);
        Assert.Equal(75, progress.Reports[^1].Step);
        // Cancelled before the first step there is nothing to keep.
        Assert.ThrowsAny<OperationCanceledException>(() => CotSynthetic.RunDetailed(Tiny, torch.CPU, null, new CancellationToken(true)));
        var full = CotSynthetic.RunDetailed(Tiny with { Steps = 100, Questions = 40 }, torch.CPU);
        Assert.False(full.IsPartial);
        Assert.Equal(100, full.StepsCompleted);
        full.Activations.Dispose();
    }

    [Fact]
    public void SameSeed_SameActivations()
    {
        TorchRuntime.EnsureInitialized();
        var o = Tiny with { Steps = 100, Questions = 40 };
        using var a = CotSynthetic.Run(o, torch.CPU);
        using var b = CotSynthetic.Run(o, torch.CPU);
        using var la = a.ReadLayer(2);
        using var lb = b.ReadLayer(2);
        Assert.Equal(la.data<float>().ToArray(), lb.data<float>().ToArray());
        Assert.Equal(a.Labels, b.Labels);
    }

    [Fact]
    public void Cancel_StopsTraining_AndAModelTooEarlyToAnswerSaysSo()
    {
        TorchRuntime.EnsureInitialized();
        using var cts = new CancellationTokenSource();
        var progress = new LatentLab.Tests.Probes.SyncProgress<CotSyntheticProgress>(_ => cts.Cancel());
        // Stopped at the first report (step 25) this model still answers everything alike: nothing to record, and the message says why.
        var e = Assert.ThrowsAny<ArgumentException>(() => CotSynthetic.Run(Tiny, torch.CPU, progress, cts.Token));
        Assert.Contains("partly trained (25 of 250 steps, interrupted)", e.Message);
        Assert.Equal(2, progress.Reports.Count);          // the training report that cancelled, then "record"
    }

    [Fact]
    public void BadOptions_NameTheOption()
    {
        Assert.Contains("--choices must be from 2 to 8 (got 1)", Assert.ThrowsAny<ArgumentException>(() => (Tiny with { Choices = 1 }).Validate()).Message);
        Assert.Contains("--width 30", Assert.ThrowsAny<ArgumentException>(() => (Tiny with { Width = 30, Heads = 4 }).Validate()).Message);
        Assert.Contains("decision window", Assert.ThrowsAny<ArgumentException>(() => (Tiny with { DecisionStart = 0.8, DecisionEnd = 0.2 }).Validate()).Message);
    }
}
