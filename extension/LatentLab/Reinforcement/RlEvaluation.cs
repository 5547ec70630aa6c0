using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>Shared bookkeeping of the RL trainers: where training contexts come from and how metrics are recorded.</summary>
public static class RlEvaluation
{
    /// <summary>
    /// Training contexts (S, B): truly monitored contexts only (unmonitored ones give no reward and no gradient), fresh from
    /// the environment or drawn from the monitored part of a fixed <paramref name="pool"/>.
    /// </summary>
    public static AlignmentContexts TrainingContexts(AlignmentEnvironment environment, AlignmentContexts? pool, long seeds, long batch,
        Generator generator) =>
        pool is null ? environment.Sample([seeds, batch], generator, monitored: true) : pool.Draw([seeds, batch], generator);

    /// <summary>The monitored part of a fixed training set; throws when it has none.</summary>
    public static AlignmentContexts MonitoredPart(AlignmentContexts pool)
    {
        if (pool.Monitored.dim() != 1) throw new ArgumentException("The training contexts must be one (N) set shared by all seeds.");
        var idx = (pool.Monitored > 0.5f).nonzero().squeeze(-1);
        if (idx.shape[0] == 0)
            throw new ArgumentException("The training contexts hold no monitored context: RL only learns where the grader sees the episode (Monitored = 1).");
        return pool.Take(idx);
    }

    /// <summary>Computes every <see cref="AlignmentMetrics"/> value of every seed on <paramref name="evaluation"/> and appends the rows.</summary>
    /// <returns>Each metric's mean over seeds.</returns>
    public static IReadOnlyDictionary<string, double> Record(AlignmentPolicy policy, AlignmentPolicy reference, AlignmentContexts evaluation,
        int step, List<RlMetricRow> rows)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logp = policy.SequenceLogProbs(evaluation);                               // (S, N, Q)
        var refLogp = reference.SequenceLogProbs(evaluation);                          // (S_ref, N, Q)
        var table = AlignmentMetrics.Compute(policy.Environment, evaluation, logp, refLogp);
        var means = new Dictionary<string, double>();
        for (int j = 0; j < AlignmentMetrics.Names.Count; j++)
        {
            double sum = 0;
            for (int s = 0; s < table.GetLength(0); s++)
            {
                rows.Add(new RlMetricRow(s, step, AlignmentMetrics.Names[j], table[s, j]));
                sum += table[s, j];
            }
            means[AlignmentMetrics.Names[j]] = sum / table.GetLength(0);
        }
        return means;
    }

    /// <summary>Metrics the closed-form optimum defines: those on truly monitored contexts (the only ones trained on).</summary>
    public static IReadOnlyList<string> OptimumMetricNames { get; } =
    [
        AlignmentMetrics.ComplianceTrain, AlignmentMetrics.FakingShare, AlignmentMetrics.ConcernRateTrain, AlignmentMetrics.SandbagTrain,
        AlignmentMetrics.RefusalTrain, AlignmentMetrics.Reward, AlignmentMetrics.KlTrain,
    ];

    /// <summary>
    /// The metrics of the closed-form KL-regularised optimum pi_ref exp(r / beta) / Z (<see cref="KlOptimum"/>) on
    /// <paramref name="evaluation"/>, averaged over the reference's seeds; only <see cref="OptimumMetricNames"/> (unmonitored
    /// contexts are never trained on, so the objective says nothing about them). Null when <paramref name="beta"/> is not positive.
    /// </summary>
    public static IReadOnlyDictionary<string, double>? OptimumMetrics(AlignmentPolicy reference, AlignmentContexts evaluation, double beta)
    {
        if (!(beta > 0)) return null;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var env = reference.Environment;
        var refLogp = reference.SequenceLogProbs(evaluation);                          // (S_ref, N, Q)
        var optimum = KlOptimum.LogOptimum(refLogp, env.ExpectedReward(evaluation), beta); // r = 0 where unmonitored: pi* = pi_ref there
        var table = AlignmentMetrics.Compute(env, evaluation, optimum, refLogp);
        var result = new Dictionary<string, double>();
        foreach (var name in OptimumMetricNames)
        {
            int j = AlignmentMetrics.Names.ToList().IndexOf(name);
            var values = Enumerable.Range(0, table.GetLength(0)).Select(s => table[s, j]).Where(double.IsFinite).ToArray();
            result[name] = values.Length == 0 ? double.NaN : values.Average();
        }
        return result;
    }
}
