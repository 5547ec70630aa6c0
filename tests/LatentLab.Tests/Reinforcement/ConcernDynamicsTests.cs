using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

/// <summary>The thought experiment in miniature: costly concerns that do not help are dropped; concerns that prevent slips are kept.</summary>
[Collection("torch threads")]
public class ConcernDynamicsTests(ITestOutputHelper output)
{
    RlRun Train(double coupling)
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions { AnswerSlip = 0.6, Coupling = coupling, ConcernCost = 0.05 }, CPU);
        using var g = new Generator(8, CPU);
        var reference = AlignmentPolicy.Create(env, new PolicyOptions { Width = 32, OutputGain = 1.0 }, 1, g);
        return Ppo.Train(reference, new PpoOptions { Seeds = 2, Iterations = 40, Episodes = 256, Minibatches = 2, KlCoefficient = 0.01, LearningRate = 1e-2, EvalEvery = 10, EvalPerType = 32 });
    }

    [Fact]
    public void UncoupledConcerns_AreDropped_CoupledOnesGrow()
    {
        var uncoupled = Train(0.0);
        var coupled = Train(1.0);
        double Start(RlRun r) => r.Rows.Where(x => x.Step == 0 && x.Metric == AlignmentMetrics.ConcernRateTrain).Average(x => x.Value);
        var u = uncoupled.Final(AlignmentMetrics.ConcernRateTrain);
        var c = coupled.Final(AlignmentMetrics.ConcernRateTrain);
        output.WriteLine($"concern rate (harmful, monitored): start {Start(uncoupled):F3}; uncoupled -> {string.Join(", ", u.Select(v => v.ToString("F3")))}; " +
            $"coupled -> {string.Join(", ", c.Select(v => v.ToString("F3")))}; halfway steps (uncoupled, to 0) {string.Join(", ", uncoupled.HalfwayStep(AlignmentMetrics.ConcernRateTrain, 0))}");
        Assert.All(u, v => Assert.True(v < 0.5 * Start(uncoupled), $"uncoupled concern rate {v}"));
        // Coupled: bimodal across seeds (measured: 0.887 and 0.008 from 0.814). Concerns only pay once the answer is learnt
        // (a random answer is graded correct 1/C of the time with or without slips), so a seed that drops them early never
        // finds their value again: path dependence, and the reason to report the share of seeds that lock in.
        Assert.Contains(c, v => v > Start(coupled));
        Assert.True(c.Average() > u.Average() + 0.2, $"coupled mean {c.Average()} vs uncoupled {u.Average()}");
        Assert.True(coupled.LockInShare(AlignmentMetrics.ConcernRateTrain, 0.5).Share > 0);
        Assert.All(uncoupled.HalfwayStep(AlignmentMetrics.ConcernRateTrain, 0), s => Assert.InRange(s, 1, 40));
    }
}
