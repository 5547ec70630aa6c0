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
}
