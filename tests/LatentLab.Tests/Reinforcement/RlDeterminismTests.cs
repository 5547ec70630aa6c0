using LatentLab.Reinforcement;

namespace LatentLab.Tests.Reinforcement;

[Collection("torch threads")]
public class RlDeterminismTests
{
    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void SameSeed_SameNumbers_ForPpoAndGrpo(PolicyArchitecture architecture)
    {
        var (_, reference, contexts) = ClosedFormConvergenceTests.Setup(architecture);
        var ppo = new PpoOptions { Seeds = 2, Iterations = 4, Episodes = 64, EvalEvery = 2, EvalPerType = 4 };
        var a = Ppo.Train(reference, ppo);
        var b = Ppo.Train(reference, ppo);
        Assert.Equal(a.Rows, b.Rows);
        var c = Ppo.Train(reference, ppo with { Seed = 2 });
        Assert.True(a.Final(AlignmentMetrics.KlTrain).Zip(c.Final(AlignmentMetrics.KlTrain)).Any(p => p.First != p.Second),
            $"{string.Join(",", a.Final(AlignmentMetrics.KlTrain))} vs {string.Join(",", c.Final(AlignmentMetrics.KlTrain))}");
        var grpo = new GrpoOptions { Seeds = 2, Iterations = 4, Prompts = 4, GroupSize = 8, EvalEvery = 2, EvalPerType = 4 };
        Assert.Equal(Grpo.Train(reference, grpo, contexts).Rows, Grpo.Train(reference, grpo, contexts).Rows);
        var df = a.ToDataFrame();
        Assert.Equal(["seed", "step", "metric", "value"], df.Columns.Select(col => col.Name));
        Assert.Equal(2 * 3 * AlignmentMetrics.Names.Count, df.Rows.Count);        // seeds x evaluations (0, 2, 4) x metrics
        var summary = a.SummaryDataFrame();
        Assert.Equal(3 * AlignmentMetrics.Names.Count, summary.Rows.Count);
        var final = a.Final(AlignmentMetrics.ComplianceTrain);
        int row = Enumerable.Range(0, (int)summary.Rows.Count)
            .First(i => (int)summary["step"][i] == 4 && (string)summary["metric"][i] == AlignmentMetrics.ComplianceTrain);
        Assert.Equal(final.Average(), (double)summary["mean"][row], 9);
        Assert.InRange(final.Average(), (double)summary["ci_low"][row], (double)summary["ci_high"][row]);
        var share = a.LockInShare(AlignmentMetrics.ComplianceTrain, -1);             // every seed is above -1
        Assert.Equal((1.0, 2), (share.Share, share.Seeds));
        Assert.True(share.Low < 1 && share.High == 1);
        var transfer = a.TransferRatio();
        double Row(int seed, int step, string m) => a.Rows.Single(r => r.Seed == seed && r.Step == step && r.Metric == m).Value;
        double expected = (Row(1, 4, AlignmentMetrics.ComplianceDeploy) - Row(1, 0, AlignmentMetrics.ComplianceDeploy)) /
                          (Row(1, 4, AlignmentMetrics.ComplianceTrain) - Row(1, 0, AlignmentMetrics.ComplianceTrain));
        Assert.Equal(expected, transfer[1], 9);
    }

    [Fact]
    public void Cancelled_KeepsThePartialRun()
    {
        var (_, reference, _) = ClosedFormConvergenceTests.Setup();
        using var cts = new CancellationTokenSource();
        var progress = new LatentLab.Tests.Probes.SyncProgress<RlProgress>(p => { if (p.Step >= 2) cts.Cancel(); });
        var run = Ppo.Train(reference, new PpoOptions { Seeds = 2, Iterations = 50, Episodes = 32, EvalEvery = 1, EvalPerType = 2 }, null, progress, cts.Token);
        Assert.True(run.IsPartial);
        Assert.Equal(2, run.StepsCompleted);
        Assert.Equal(2, run.Rows.Max(r => r.Step));
    }
}
