using Microsoft.Data.Analysis;

namespace LatentLab.Reinforcement;

/// <summary>Result of <see cref="CartPolePpo"/>: every finished episode's return ("episodic_return", step = global env step of the seed).</summary>
public sealed class CartPoleRun
{
    /// <summary>One row per finished episode.</summary>
    public required IReadOnlyList<RlMetricRow> Rows { get; init; }

    /// <summary>Wall-clock seconds.</summary>
    public required double Seconds { get; init; }

    /// <summary>Environment steps per seed.</summary>
    public required long StepsPerSeed { get; init; }

    /// <summary>The trained actor (S seeds).</summary>
    public required BatchedMlp Actor { get; init; }

    /// <summary>Mean return of the last <paramref name="episodes"/> finished episodes of each seed.</summary>
    public double[] FinalReturn(int episodes = 20) =>
        Rows.GroupBy(r => r.Seed).OrderBy(g => g.Key).Select(g => g.TakeLast(episodes).Average(r => r.Value)).ToArray();

    /// <summary>Columns seed, step, metric, value.</summary>
    public DataFrame ToDataFrame() => new(
        new Int32DataFrameColumn("seed", Rows.Select(r => r.Seed)),
        new Int32DataFrameColumn("step", Rows.Select(r => r.Step)),
        new StringDataFrameColumn("metric", Rows.Select(r => r.Metric)),
        new DoubleDataFrameColumn("value", Rows.Select(r => r.Value)));
}
