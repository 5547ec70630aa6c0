using LatentLab.Bandits;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Tests.Bandits;

/// <summary>An interrupted evaluation keeps the policies it finished, marked partial, with the same numbers as a full run.</summary>
public class EvaluationInterruptTests
{
    /// <summary>Cancels as soon as the policy at <paramref name="index"/> reports (synchronously, on the evaluating thread).</summary>
    sealed class CancelAt(int index, CancellationTokenSource source) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value)
        {
            if (value.PolicyIndex == index) source.Cancel();
        }
    }

    static torch.Device Device => TorchRuntime.ResolveDevice("cpu");

    static readonly BanditEvaluationOptions Options = new() { Arms = 3, Episodes = 100, Horizon = 30, Seed = 5, Baselines = ["ucb1", "greedy", "random"] };

    [Fact]
    public void InterruptDuringTheSecondPolicy_KeepsTheFirst_MarkedPartial_WithTheFullRunsNumbers()
    {
        var full = BanditEvaluator.Evaluate(Options, null, Device);
        using var source = new CancellationTokenSource();
        var partial = BanditEvaluator.Evaluate(Options, null, Device, new CancelAt(1, source), source.Token);

        Assert.True(partial.IsPartial);
        Assert.False(full.IsPartial);
        Assert.Equal(["ucb1"], partial.Curves.Select(c => c.Policy));
        Assert.Equal(full.Curve("ucb1").Regret, partial.Curve("ucb1").Regret);
        Assert.Contains("PARTIAL", LatentLab.Reports.BanditReport.Evaluation(partial).Text);
    }

    [Fact]
    public void InterruptDuringTheFirstPolicy_HasNothingToKeep_AndSaysInterrupted()
    {
        using var source = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => BanditEvaluator.Evaluate(Options, null, Device, new CancelAt(0, source), source.Token));
    }
}
