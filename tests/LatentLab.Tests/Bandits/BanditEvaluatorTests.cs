using LatentLab.Bandits;
using LatentLab.Reports;
using LatentLab.Statistics;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Tests.Bandits;

public class BanditEvaluatorTests
{
    public BanditEvaluatorTests() => TorchRuntime.EnsureInitialized();

    static BanditEvaluation Baselines(int episodes = 1000, int horizon = 100) =>
        BanditEvaluator.Evaluate(new BanditEvaluationOptions { Arms = 5, Episodes = episodes, Horizon = horizon, Seed = 3 }, null, torch.CPU);

    [Fact]
    public void ClassicPolicies_ReproduceTheReferenceRegrets_WithinTheirConfidenceIntervals()
    {
        // Reference implementation (4000 episodes, K=5; table in docs/bandit-student.md) at t=100: random 33.2, greedy 7.0, UCB1 17.3, Thompson 8.3.
        var e = Baselines();
        foreach (var (policy, reference) in new[] { ("random", 33.2), ("greedy", 7.0), ("ucb1", 17.3), ("thompson", 8.3) })
        {
            var s = e.Summary(policy).RegretAtEnd;
            double slack = 3 * s.HalfWidth;   // this run's CI (1000 episodes) plus the reference's own sampling error
            Assert.InRange(reference, s.Mean - slack, s.Mean + slack);
        }
        // UCB1 over-explores at this horizon: Thompson has clearly less regret.
        Assert.True(e.Summary("thompson").RegretAtEnd.High < e.Summary("ucb1").RegretAtEnd.Low);
    }

    [Fact]
    public void ToDataFrame_HasTheDesignColumns_OneRowPerPolicyAndStep()
    {
        var e = Baselines(episodes: 50, horizon: 20);
        var df = e.ToDataFrame();
        Assert.Equal(new[] { "policy", "step", "regret", "regret_ci_low", "regret_ci_high" }, df.Columns.Select(c => c.Name).ToArray());
        Assert.Equal(5 * 20, df.Rows.Count);
        Assert.Equal(new[] { "random", "greedy", "eps-greedy", "ucb1", "thompson" }, e.Curves.Select(c => c.Policy).ToArray());
        for (int r = 0; r < df.Rows.Count; r++)
        {
            double low = (double)df["regret_ci_low"][r]!, mid = (double)df["regret"][r]!, high = (double)df["regret_ci_high"][r]!;
            Assert.True(low <= mid && mid <= high);
        }
        Assert.Equal(20, (int)df["step"][19]!);
        var summary = e.SummaryDataFrame();
        Assert.Equal(5, summary.Rows.Count);
        Assert.Contains("agreement_after_h", summary.Columns.Select(c => c.Name));
    }

    [Fact]
    public void CumulativeRegret_NeverDecreases_AndStepsAfterTheTrainingHorizonAreSplitOut()
    {
        var e = BanditEvaluator.Evaluate(new BanditEvaluationOptions { Arms = 3, Episodes = 200, Horizon = 30, TrainHorizon = 10, Baselines = new[] { "ucb1", "random" } }, null, torch.CPU);
        var c = e.Curve("ucb1");
        for (int t = 1; t < c.Horizon; t++) Assert.True(c.Regret[t] >= c.Regret[t - 1]);
        var s = e.Summary("ucb1");
        Assert.Equal(c.Regret[29] - c.Regret[9], s.RegretAfterTrainHorizon!.Mean, 4);
        Assert.Equal(1.0, s.AgreementAfter!.Mean, 6);
        Assert.True(e.Summary("random").AgreementAfter!.Mean < 0.7);
    }

    [Fact]
    public void SameSeed_GivesIdenticalNumbers()
    {
        var a = Baselines(episodes: 100, horizon: 30);
        var b = Baselines(episodes: 100, horizon: 30);
        foreach (var p in a.Curves.Select(c => c.Policy))
            Assert.Equal(a.Curve(p).Regret, b.Curve(p).Regret);
    }

    [Fact]
    public void UnknownBaseline_IsRejectedWithTheValidNames()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            BanditEvaluator.Evaluate(new BanditEvaluationOptions { Baselines = new[] { "ucb2" } }, null, torch.CPU));
        Assert.Contains("ucb2", e.Message);
        Assert.Contains("thompson", e.Message);
    }

    [Fact]
    public void TQuantile_MatchesStudentTables()
    {
        Assert.Equal(2.228, MeanCi.TQuantile975(10), 3);
        Assert.Equal(2.042, MeanCi.TQuantile975(30), 3);
        Assert.Equal(1.962, MeanCi.TQuantile975(1000), 3);
    }

    [Fact]
    public void RegretChart_HasABandPerPolicy_AndAMarkerAtTheTrainingHorizon()
    {
        var e = Baselines(episodes: 50, horizon: 60);
        var chart = BanditCharts.CumulativeRegret(e);
        var html = chart.GetInlineHtml();
        Assert.Contains("tonexty", html);
        Assert.Contains("\"x0\":50", html.Replace(" ", ""));
        foreach (var p in new[] { "random", "greedy", "eps-greedy", "ucb1", "thompson" }) Assert.Contains($"\"name\":\"{p}\"", html.Replace(" ", ""));
        var table = BanditReport.EvaluationTable(e);
        Assert.Contains("regret at 50", table);
        Assert.Contains("thompson", table);
    }
}
