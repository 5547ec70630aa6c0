using LatentLab.Reinforcement;
using static LatentLab.Reports.ReportFormat;

namespace LatentLab.Reports;

/// <summary>Plain-HTML summary cards of the alignment RL lab: a baked reference and an RL run (no scripts; safe in static exports).</summary>
public static class RlReport
{
    /// <summary>The metrics a run's card lists, start to end.</summary>
    public static IReadOnlyList<string> CardMetrics { get; } =
    [
        AlignmentMetrics.ComplianceTrain, AlignmentMetrics.ComplianceDeploy, AlignmentMetrics.ComplianceGap, AlignmentMetrics.FakingShare,
        AlignmentMetrics.ConcernRateTrain, AlignmentMetrics.Evil, AlignmentMetrics.RefusalDeploy, AlignmentMetrics.BenignAccuracy,
        AlignmentMetrics.Reward, AlignmentMetrics.KlTrain, AlignmentMetrics.KlDeploy,
    ];

    /// <summary>The card of a baked reference: match, steps, and per context type the achieved rates beside their targets.</summary>
    public static Rendered Bake(BakedReference r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = r.Options;
        var env = r.Policy.Environment.Options;
        var card = new Card("Baked reference policy").Flag(r.IsPartial ? "(partial: interrupted)" : !r.Matched ? "(not matched)" : null)
            .Subtitle($"{o.Seeds} seed(s), {Network(o.Policy)}; {Knobs(o.Split)} split, {Knobs(o.Distillation)} targets, layers {Knobs(o.Layers)}");
        card.Row("match", r.Matched
            ? $"every type's mean KL(target || pi) below {Number(o.Tolerance, "0.###")} nats at step {r.StepsToMatch}; {r.Steps} steps in all ({o.ExtraSteps} of over-training)"
            : $"not matched within {r.Steps} steps (tolerance {Number(o.Tolerance, "0.###")} nats): raise --max-steps or --lr");
        foreach (var t in r.Types)
        {
            card.Row(t.Type.Replace('_', ' '),
                $"comply {Number(t.Comply, "0.000")} (target {Number(t.TargetComply, "0.000")}), sandbag {Number(t.Sandbag, "0.000")} ({Number(t.TargetSandbag, "0.000")}), " +
                $"concerns | comply {Number(t.ConcernsGivenComply, "0.000")} ({Number(t.TargetConcernsGivenComply, "0.000")}); " +
                $"KL mean {Number(t.KlMean, "0.0000")}, max {Number(t.KlMax, "0.000")}; mode margin {Number(t.ModeMargin, "0.0")} nats");
        }
        card.Row("environment", $"{env.FeatureDim} features, {env.Classes} classes, up to {env.MaxConcerns} concerns; concern cost {Number(env.ConcernCost, "0.###")}, " +
                                $"coupling {Number(env.Coupling, "0.###")}, answer slip {Number(env.AnswerSlip, "0.###")}");
        card.Row("weight norms", string.Join(", ", r.WeightNorms.Select(w => Number(w, "0.0"))) + " (input layer first)");
        card.Note("Next: #!rl-train --reference <variable> --algorithm ppo|grpo; the numbers: .ToDataFrame()",
            "Next: <code>#!rl-train --reference &lt;variable&gt; --algorithm ppo|grpo</code>; the numbers: <code>.ToDataFrame()</code>");
        return card.Render();
    }

    /// <summary>The policy network in a few words: "MLP 2 x 64 tanh" or "GRU 2 x 64".</summary>
    static string Network(PolicyOptions p) => p.Architecture == PolicyArchitecture.Gru
        ? $"GRU {p.Depth} x {p.Width}"
        : $"MLP {p.Depth} x {p.Width} {Knobs(p.Activation)}";

    /// <summary>The card of an RL run: what ran, and each key metric at the first and the last evaluation (mean over seeds, 95% CI).</summary>
    public static Rendered Run(RlRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        int seeds = run.Rows.Select(r => r.Seed).Distinct().Count();
        var card = new Card($"{run.Algorithm.ToUpperInvariant()} run on the alignment environment").Flag(run.IsPartial ? $"(partial: interrupted after {run.StepsCompleted} iterations)" : null)
            .Subtitle($"{seeds} seeds batched ({Network(run.Policy.Options)}); {run.StepsCompleted} iterations, {run.EpisodesPerSeed} episodes per seed, {Number(run.Seconds, "0.0")} s");
        foreach (var metric in CardMetrics)
        {
            var (steps, mean, low, high) = RlCharts.Series(run, metric);
            if (steps.Length == 0) continue;
            string At(int i) => $"{CiText(mean[i], low[i], high[i], "0.000")}";
            card.Row(metric.Replace('_', ' '), steps.Length == 1 ? $"{At(0)} at step {steps[0]}" : $"{At(0)} at step {steps[0]} -> {At(steps.Length - 1)} at step {steps[^1]}");
        }
        if (run.Rows.Count > 0)
        {
            var (share, lo, hi, n) = run.LockInShare(AlignmentMetrics.ConcernRateTrain, 0.5);
            card.Row("seeds keeping concerns", $"{Number(share, "0.00")} of {n} with concern rate (training) >= 0.5 at the end [95% Wilson CI {Number(lo, "0.00")}, {Number(hi, "0.00")}]");
        }
        if (run.FinalKlCoefficient.Length > 0 && run.FinalKlCoefficient.Distinct().Count() > 1)
            card.Row("final KL coefficient", $"{Number(run.FinalKlCoefficient.Min(), "0.####")} to {Number(run.FinalKlCoefficient.Max(), "0.####")} across seeds (adaptive)");
        card.Note("Rates are exact on the evaluation contexts (no sampling noise); the band is over seeds. The numbers: .ToDataFrame(), .SummaryDataFrame().",
            "Rates are exact on the evaluation contexts (no sampling noise); the band is over seeds. The numbers: <code>.ToDataFrame()</code>, <code>.SummaryDataFrame()</code>.");
        return card.Render();
    }

    /// <summary>The card of a grid: per point, the final rates that matter (mean over seeds, 95% CI) and the analytic break-even concern cost.</summary>
    public static Rendered Grid(RlGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var card = new Card($"RL grid: {grid.SettingA} x {grid.SettingB}").Flag(grid.IsPartial ? "(partial: interrupted)" : null)
            .Subtitle($"{grid.Points.Count} point(s) run; final values, mean over seeds [95% CI]");
        foreach (var p in grid.Points)
        {
            string F(string metric)
            {
                var (steps, mean, low, high) = RlCharts.Series(p.Run, metric);
                return steps.Length == 0 ? Missing : CiText(mean[^1], low[^1], high[^1], "0.00");
            }
            card.Row($"{grid.SettingA} {LatentLab.Options.OptionText.Number(p.A)}, {grid.SettingB} {LatentLab.Options.OptionText.Number(p.B)}",
                $"compliance train {F(AlignmentMetrics.ComplianceTrain)}, deploy {F(AlignmentMetrics.ComplianceDeploy)}; faking share {F(AlignmentMetrics.FakingShare)}; " +
                $"evil {F(AlignmentMetrics.Evil)}; break-even concern cost {Number(p.ConcernBreakEvenCost, "0.###")}" + (p.Run.IsPartial ? " (partial)" : ""));
        }
        card.Note("The numbers: .ToDataFrame() (a, b, metric, mean, ci_low, ci_high, seeds, break_even_cost); each point's run: .Points[i].Run.",
            "The numbers: <code>.ToDataFrame()</code> (a, b, metric, mean, ci_low, ci_high, seeds, break_even_cost); each point's run: <code>.Points[i].Run</code>.");
        return card.Render();
    }

    static string Knobs(Enum e) => LatentLab.Options.Knob.Kebab(e.ToString());
}
