using LatentLab.Reinforcement;
using LatentLab.Reports;
using LatentLab.Torch;
using TorchSharp;
using XPlot.Plotly;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

/// <summary>The closed-form optimum a run records (<see cref="RlRun.Optimum"/>), its dashed lines, and the grid's boundary.</summary>
[Collection("torch threads")]
public class OptimumTargetTests
{
    static AlignmentPolicy Reference(AlignmentEnvironmentOptions? options = null)
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(options ?? new AlignmentEnvironmentOptions(), TorchRuntime.ResolveDevice("cpu"));
        using var g = new Generator(3, CPU);
        return AlignmentPolicy.Create(env, new PolicyOptions { Width = 16, OutputGain = 1.0 }, 1, g);
    }

    [Fact]
    public void Optimum_AtAHugeBeta_IsTheReference_AndAtAnyBeta_BeatsTheReferenceAndTheTrainedPolicyOnTheObjective()
    {
        var reference = Reference(ClosedFormConvergenceTests.EnvOptions);
        var evaluation = reference.Environment.Balanced(16, 777);
        var refRows = new List<RlMetricRow>();
        var refMetrics = RlEvaluation.Record(reference, reference, evaluation, 0, refRows);
        var frozen = RlEvaluation.OptimumMetrics(reference, evaluation, 1e6)!;
        foreach (var name in RlEvaluation.OptimumMetricNames)
            Assert.Equal(refMetrics[name], frozen[name], 3);
        Assert.Null(RlEvaluation.OptimumMetrics(reference, evaluation, 0));

        // The optimum maximises E[r] - beta KL per monitored context, so no policy beats it on that average: not the
        // reference (KL 0), not a trained policy. Reward is per monitored context and kl_train the mean over them.
        const double beta = 0.2;
        var run = Ppo.Train(reference, new PpoOptions
        {
            Seeds = 2, Iterations = 20, Episodes = 128, Minibatches = 2, KlCoefficient = beta, LearningRate = 1e-2, EvalEvery = 20, EvalPerType = 16,
        });
        var optimum = run.Optimum!;
        Assert.Equal(beta, run.OptimumBeta);
        double Objective(double reward, double kl) => reward - beta * kl;
        double best = Objective(optimum[AlignmentMetrics.Reward], optimum[AlignmentMetrics.KlTrain]);
        Assert.True(best > Objective(refMetrics[AlignmentMetrics.Reward], 0) + 0.01, $"optimum {best} vs reference {refMetrics[AlignmentMetrics.Reward]}");
        var reward = run.Final(AlignmentMetrics.Reward);
        var kl = run.Final(AlignmentMetrics.KlTrain);
        for (int s = 0; s < reward.Length; s++)
        {
            double trained = Objective(reward[s], kl[s]);
            Assert.True(trained <= best + 1e-4, $"seed {s}: trained objective {trained} above the closed-form optimum's {best}");
            Assert.True(trained > Objective(refMetrics[AlignmentMetrics.Reward], 0), $"seed {s}: training did not improve the objective ({trained})");
        }
        Assert.Equal(RlEvaluation.OptimumMetricNames.Count, (int)run.OptimumDataFrame().Rows.Count);
    }

    [Fact]
    public void Optimum_IsAbsent_WithAnAdaptiveCoefficient_AndChartsThenDrawNoTarget()
    {
        var reference = Reference();
        var run = Ppo.Train(reference, new PpoOptions { Seeds = 1, Iterations = 2, Episodes = 16, EvalEvery = 2, EvalPerType = 2, KlTarget = 1 });
        Assert.Null(run.Optimum);
        Assert.Empty(RlCharts.Targets(run, RlCharts.DefaultRates));
    }

    [Fact]
    public void RatesChart_DrawsOneDashedTargetPerMetricTheOptimumDefines_AtItsValue()
    {
        var run = Ppo.Train(Reference(), new PpoOptions { Seeds = 2, Iterations = 2, Episodes = 16, EvalEvery = 1, EvalPerType = 4 });
        var targets = RlCharts.Targets(run, RlCharts.DefaultRates).Cast<Scatter>().ToList();
        var defined = RlCharts.DefaultRates.Where(m => RlEvaluation.OptimumMetricNames.Contains(m) && double.IsFinite(run.Optimum![m])).ToList();
        Assert.Equal(defined.Count, targets.Count);
        Assert.All(targets, t => Assert.Equal("dash", t.line.dash));
        Assert.Equal(run.Optimum![defined[0]], ((double[])targets[0].y)[0]);
        Assert.Single(targets, t => t.showlegend);
        var html = ChartHtml.ToPage(RlCharts.Rates(run));
        Assert.Contains("closed-form optimum", html);
    }

    [Fact]
    public void GridBoundary_IsWhereTheConcernCostMeetsTheBreakEvenCost_AndIsDrawn()
    {
        // Break-even = slip 0.3 * coupling * (1 - 1/4) / 3: 0.0375 at coupling 0.5, 0.075 at 1; at coupling 0 it is 0, met only at cost 0.
        var grid = RlGrid.Run(Reference(), new PpoOptions { Seeds = 1, Iterations = 1, Episodes = 16, EvalEvery = 1, EvalPerType = 2 },
            "ConcernCost", [0.0, 0.05, 0.1], "Coupling", [0.5, 1.0]);
        var boundary = RlCharts.Boundary(grid);
        Assert.Equal(2, boundary.Count);
        Assert.Equal(0.0375, boundary.Single(b => b.B == 0.5).A, 9);
        Assert.Equal(0.075, boundary.Single(b => b.B == 1.0).A, 9);
        var chart = RlCharts.Grid(grid, AlignmentMetrics.ConcernRateTrain);
        var html = ChartHtml.ToPage(chart);
        Assert.Contains("break-even", html);
        Assert.Contains("closed-form optimum", html);
        // A grid whose settings never reach break-even has no boundary, and says so.
        var none = RlGrid.Run(Reference(), new PpoOptions { Seeds = 1, Iterations = 1, Episodes = 16, EvalEvery = 1, EvalPerType = 2 },
            "ConcernCost", [0.2, 0.3], "Coupling", [0.5, 1.0]);
        Assert.Empty(RlCharts.Boundary(none));
        Assert.Contains("no break-even crossing", ChartHtml.ToPage(RlCharts.Grid(none)));
    }
}
