using LatentLab.Statistics;
using Microsoft.Data.Analysis;

namespace LatentLab.Bandits;

/// <summary>
/// The result of <see cref="BanditEvaluator.Evaluate"/>: per-policy cumulative-regret curves with CIs, headline
/// summaries (regret at H and at the end, after-H regret, agreement with UCB1 before/after H), and the paired
/// difference of the first candidate policy (the student) minus UCB1. All policies met the same bandits and reward tape.
/// </summary>
public sealed record BanditEvaluation(
    BanditEvaluationOptions Options,
    int Arms,
    int Horizon,
    int TrainHorizon,
    int Episodes,
    IReadOnlyList<PolicyCurve> Curves,
    IReadOnlyList<PolicySummary> Summaries,
    PairedDifference? StudentVsUcb1,
    string? StudentDescription,
    TimeSpan Elapsed)
{
    /// <summary>True when the evaluation was interrupted: <see cref="Curves"/> holds the policies finished before it stopped.</summary>
    public bool IsPartial { get; init; }

    public PolicyCurve Curve(string policy) =>
        Curves.FirstOrDefault(c => c.Policy == policy)
        ?? throw new ArgumentException($"No policy '{policy}' in this evaluation; it has {string.Join(", ", Curves.Select(c => c.Policy))}.", nameof(policy));

    public PolicySummary Summary(string policy) =>
        Summaries.FirstOrDefault(c => c.Policy == policy)
        ?? throw new ArgumentException($"No policy '{policy}' in this evaluation; it has {string.Join(", ", Summaries.Select(c => c.Policy))}.", nameof(policy));

    /// <summary>One row per (policy, step): <c>policy, step, regret, regret_ci_low, regret_ci_high</c> (cumulative pseudo-regret, 95% CI).</summary>
    public DataFrame ToDataFrame()
    {
        int rows = Curves.Sum(c => c.Horizon);
        var policy = new StringDataFrameColumn("policy", rows);
        var step = new Int32DataFrameColumn("step", rows);
        var regret = new DoubleDataFrameColumn("regret", rows);
        var low = new DoubleDataFrameColumn("regret_ci_low", rows);
        var high = new DoubleDataFrameColumn("regret_ci_high", rows);
        int r = 0;
        foreach (var c in Curves)
            for (int t = 0; t < c.Horizon; t++, r++)
            {
                policy[r] = c.Policy;
                step[r] = t + 1;
                regret[r] = c.Regret[t];
                low[r] = c.Low[t];
                high[r] = c.High[t];
            }
        return new DataFrame(policy, step, regret, low, high);
    }

    /// <summary>
    /// One row per policy: regret at the training horizon and at the end, regret after H alone, per-step regret in the
    /// 10 steps up to H and the last 10, agreement with UCB1 before and after H; each with its 95% CI.
    /// </summary>
    public DataFrame SummaryDataFrame()
    {
        var columns = new List<DataFrameColumn> { new StringDataFrameColumn("policy", Summaries.Select(s => s.Policy)) };
        void Add(string name, Func<PolicySummary, MeanCi?> pick)
        {
            columns.Add(new DoubleDataFrameColumn(name, Summaries.Select(s => pick(s)?.Mean)));
            columns.Add(new DoubleDataFrameColumn(name + "_ci_low", Summaries.Select(s => pick(s)?.Low)));
            columns.Add(new DoubleDataFrameColumn(name + "_ci_high", Summaries.Select(s => pick(s)?.High)));
        }
        Add($"regret_at_{TrainHorizon}", s => s.RegretAtTrainHorizon);
        Add($"regret_at_{Horizon}", s => s.RegretAtEnd);
        Add("regret_after_h", s => s.RegretAfterTrainHorizon);
        Add("per_step_regret_before_h", s => s.PerStepRegretBeforeH);
        Add("per_step_regret_last10", s => s.PerStepRegretAtEnd);
        Add("agreement_before_h", s => s.AgreementBefore);
        Add("agreement_after_h", s => s.AgreementAfter);
        return new DataFrame(columns);
    }

    /// <summary>Paired student-minus-UCB1 difference per step: <c>step, difference, difference_ci_low, difference_ci_high</c>
    /// (the first candidate policy minus UCB1; empty without a candidate or without UCB1).</summary>
    public DataFrame DifferenceDataFrame()
    {
        var d = StudentVsUcb1;
        int n = d?.Difference.Length ?? 0;
        return new DataFrame(
            new Int32DataFrameColumn("step", Enumerable.Range(1, n)),
            new DoubleDataFrameColumn("difference", d?.Difference ?? Array.Empty<double>()),
            new DoubleDataFrameColumn("difference_ci_low", d?.Low ?? Array.Empty<double>()),
            new DoubleDataFrameColumn("difference_ci_high", d?.High ?? Array.Empty<double>()));
    }
}
