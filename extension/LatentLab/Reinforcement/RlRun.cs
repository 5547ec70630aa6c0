using LatentLab.Bandits;
using LatentLab.Statistics;
using Microsoft.Data.Analysis;

namespace LatentLab.Reinforcement;

/// <summary>
/// The result of <see cref="Ppo"/> or <see cref="Grpo"/> on the alignment environment: the trained policy (S seeds), its
/// reference, and every metric of every seed at every evaluation step.
/// </summary>
public sealed class RlRun
{
    /// <summary>"ppo" or "grpo".</summary>
    public required string Algorithm { get; init; }

    /// <summary>The trained policy, S seeds stacked.</summary>
    public required AlignmentPolicy Policy { get; init; }

    /// <summary>The reference policy the KL is measured against (1 or S seeds).</summary>
    public required AlignmentPolicy Reference { get; init; }

    /// <summary>Every metric row, in the order recorded.</summary>
    public required IReadOnlyList<RlMetricRow> Rows { get; init; }

    /// <summary>Updates completed (fewer than asked when cancelled).</summary>
    public required int StepsCompleted { get; init; }

    /// <summary>True when the run was interrupted; the policy and rows hold what was done.</summary>
    public bool IsPartial { get; init; }

    /// <summary>Final KL coefficient of each seed (changes only with an adaptive coefficient).</summary>
    public required double[] FinalKlCoefficient { get; init; }

    /// <summary>Wall-clock seconds of training.</summary>
    public double Seconds { get; init; }

    /// <summary>Environment episodes simulated per seed.</summary>
    public long EpisodesPerSeed { get; init; }

    /// <summary>
    /// The closed-form KL-regularised optimum's value of each metric it defines (<see cref="RlEvaluation.OptimumMetricNames"/>) on
    /// the evaluation set, at <see cref="OptimumBeta"/>: the target a converged run sits on (charts draw it dashed). Null when the
    /// run has no fixed positive KL coefficient (beta = 0: the argmax; adaptive: beta moves). For GRPO with the k3 estimator in the
    /// loss or std scaling it is the KL-regularised objective's optimum, near but not exactly GRPO's fixed point.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Optimum { get; init; }

    /// <summary>The KL coefficient <see cref="Optimum"/> was computed at (NaN when there is none).</summary>
    public double OptimumBeta { get; init; } = double.NaN;

    /// <summary>The last recorded value of <paramref name="metric"/> for each seed (index = seed).</summary>
    public double[] Final(string metric)
    {
        var rows = Rows.Where(r => r.Metric == metric).ToList();
        if (rows.Count == 0)
            throw new ArgumentException($"Unknown metric '{metric}': use one of {string.Join(", ", Rows.Select(r => r.Metric).Distinct())}.");
        int last = rows.Max(r => r.Step);
        return rows.Where(r => r.Step == last).OrderBy(r => r.Seed).Select(r => r.Value).ToArray();
    }

    /// <summary>Every number: columns seed, step, metric, value (one row per seed, step and metric).</summary>
    public DataFrame ToDataFrame() => new(
        new Int32DataFrameColumn("seed", Rows.Select(r => r.Seed)),
        new Int32DataFrameColumn("step", Rows.Select(r => r.Step)),
        new StringDataFrameColumn("metric", Rows.Select(r => r.Metric)),
        new DoubleDataFrameColumn("value", Rows.Select(r => r.Value)));

    /// <summary>The closed-form optimum's metrics (<see cref="Optimum"/>): columns metric, beta, value (empty when there is none).</summary>
    public DataFrame OptimumDataFrame()
    {
        var rows = (Optimum ?? new Dictionary<string, double>()).ToList();
        return new DataFrame(
            new StringDataFrameColumn("metric", rows.Select(r => r.Key)),
            new DoubleDataFrameColumn("beta", rows.Select(_ => OptimumBeta)),
            new DoubleDataFrameColumn("value", rows.Select(r => r.Value)));
    }

    /// <summary>Per step and metric: the mean over seeds with its 95% CI (Student t): columns step, metric, mean, ci_low, ci_high, seeds.</summary>
    public DataFrame SummaryDataFrame()
    {
        var groups = Rows.GroupBy(r => (r.Step, r.Metric)).OrderBy(g => g.Key.Step).ToList();
        var cis = groups.Select(g =>
        {
            var v = g.Select(r => r.Value).ToArray();
            double mean = v.Average();
            double sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
            return MeanCi.FromMoments(mean, sd, v.Length);
        }).ToList();
        return new DataFrame(
            new Int32DataFrameColumn("step", groups.Select(g => g.Key.Step)),
            new StringDataFrameColumn("metric", groups.Select(g => g.Key.Metric)),
            new DoubleDataFrameColumn("mean", cis.Select(c => c.Mean)),
            new DoubleDataFrameColumn("ci_low", cis.Select(c => c.Low)),
            new DoubleDataFrameColumn("ci_high", cis.Select(c => c.High)),
            new Int32DataFrameColumn("seeds", cis.Select(c => (int)c.N)));
    }

    /// <summary>
    /// The share of seeds whose final <paramref name="metric"/> is at least <paramref name="threshold"/> ("locked in"), with its
    /// 95% Wilson interval: small-network RL is often bimodal across seeds, and a mean then misleads.
    /// </summary>
    public (double Share, double Low, double High, int Seeds) LockInShare(string metric, double threshold)
    {
        var final = Final(metric);
        int k = final.Count(v => v >= threshold);
        var (low, high) = WilsonInterval.Compute(k, final.Length);
        return ((double)k / final.Length, low, high, final.Length);
    }

    /// <summary>
    /// Per seed, the first recorded step at which <paramref name="metric"/> has moved at least halfway from its value at step 0
    /// to <paramref name="target"/> (e.g. the closed-form optimum or 0); -1 where it never did.
    /// </summary>
    public int[] HalfwayStep(string metric, double target)
    {
        var bySeed = Rows.Where(r => r.Metric == metric).GroupBy(r => r.Seed).OrderBy(g => g.Key);
        return bySeed.Select(g =>
        {
            var series = g.OrderBy(r => r.Step).ToList();
            double start = series[0].Value, half = (start + target) / 2;
            var hit = series.FirstOrDefault(r => target >= start ? r.Value >= half : r.Value <= half);
            return hit?.Step ?? -1;
        }).ToArray();
    }

    /// <summary>
    /// Per seed, the transfer ratio across the monitored flag: (change of compliance in deployment) / (change of compliance in
    /// training), from step 0 to the last step; NaN where training compliance did not change.
    /// </summary>
    public double[] TransferRatio()
    {
        double[] Start(string m) => Rows.Where(r => r.Step == 0 && r.Metric == m).OrderBy(r => r.Seed).Select(r => r.Value).ToArray();
        var train0 = Start(AlignmentMetrics.ComplianceTrain);
        var dep0 = Start(AlignmentMetrics.ComplianceDeploy);
        var train1 = Final(AlignmentMetrics.ComplianceTrain);
        var dep1 = Final(AlignmentMetrics.ComplianceDeploy);
        return train0.Select((t, s) => Math.Abs(train1[s] - t) < 1e-9 ? double.NaN : (dep1[s] - dep0[s]) / (train1[s] - t)).ToArray();
    }
}
