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
}
