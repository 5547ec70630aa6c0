using Microsoft.Data.Analysis;

namespace LatentLab.Probes;

/// <summary>
/// The outcome of a probe sweep: one <see cref="ProbeCell"/> per (layer, position) that finished. When the sweep was
/// interrupted, <see cref="IsPartial"/> is true and <see cref="Cells"/> holds the layers completed before the interrupt.
/// </summary>
public sealed record ProbeSweepResult
{
    /// <summary>Finished cells, ordered by layer then position.</summary>
    public required IReadOnlyList<ProbeCell> Cells { get; init; }
    /// <summary>Layers the sweep was asked for.</summary>
    public required IReadOnlyList<int> Layers { get; init; }
    /// <summary>Column labels (token index, -k from the end, or bin index).</summary>
    public required IReadOnlyList<int> Positions { get; init; }
    public required ProbeSweepOptions Options { get; init; }
    /// <summary>True when the sweep was interrupted: only some layers are in <see cref="Cells"/>.</summary>
    public bool IsPartial { get; init; }
    /// <summary>Questions in the activation set.</summary>
    public int Questions { get; init; }
    public IReadOnlyList<string> ClassNames { get; init; } = [];
    /// <summary>Accuracy of always answering the most frequent class (the chance line).</summary>
    public double ChanceAccuracy { get; init; }
    /// <summary>The fold of every question (so other tools can reproduce the split).</summary>
    public IReadOnlyList<int> FoldAssignment { get; init; } = [];
    /// <summary>Where the activations came from.</summary>
    public string Source { get; init; } = "";
    public string Device { get; init; } = "";
    public TimeSpan Elapsed { get; init; }
    /// <summary>Most L-BFGS iterations any layer needed.</summary>
    public int MaxIterationsUsed { get; init; }
    /// <summary>Fraction of all trained probes (cells x folds x task/control) that met the gradient tolerance.</summary>
    public double ConvergedFraction { get; init; }
    public bool HasBaseline { get; init; }

    /// <summary>The cell at (layer, position), or null.</summary>
    public ProbeCell? Cell(int layer, int position) => Cells.FirstOrDefault(c => c.Layer == layer && c.Position == position);

    /// <summary>Layers with at least one finished cell.</summary>
    public IReadOnlyList<int> CompletedLayers => Cells.Select(c => c.Layer).Distinct().ToList();

    /// <summary>The finished layer with the highest mean accuracy over positions (ties: the earliest), or -1.</summary>
    public int BestLayer => Cells.Count == 0 ? -1 :
        Cells.GroupBy(c => c.Layer).Select(g => (Layer: g.Key, Mean: g.Average(c => c.Accuracy)))
             .OrderByDescending(x => x.Mean).ThenBy(x => x.Layer).First().Layer;

    /// <summary>
    /// One row per (layer, position): layer, position, accuracy, accuracy_ci_low, accuracy_ci_high, control_accuracy,
    /// selectivity, baseline_accuracy (NaN where there is no control or baseline).
    /// </summary>
    public DataFrame ToDataFrame()
    {
        var cells = Cells;
        return new DataFrame(
            new Int32DataFrameColumn("layer", cells.Select(c => c.Layer)),
            new Int32DataFrameColumn("position", cells.Select(c => c.Position)),
            new DoubleDataFrameColumn("accuracy", cells.Select(c => c.Accuracy)),
            new DoubleDataFrameColumn("accuracy_ci_low", cells.Select(c => c.AccuracyCiLow)),
            new DoubleDataFrameColumn("accuracy_ci_high", cells.Select(c => c.AccuracyCiHigh)),
            new DoubleDataFrameColumn("control_accuracy", cells.Select(c => c.ControlAccuracy)),
            new DoubleDataFrameColumn("selectivity", cells.Select(c => c.Selectivity)),
            new DoubleDataFrameColumn("baseline_accuracy", cells.Select(c => c.BaselineAccuracy)));
    }

    public override string ToString()
    {
        var best = BestLayer;
        var top = Cells.Count == 0 ? null : Cells.MaxBy(c => c.Accuracy);
        return $"ProbeSweepResult: {Cells.Count} cells ({CompletedLayers.Count}/{Layers.Count} layers x {Positions.Count} positions){(IsPartial ? " PARTIAL (interrupted)" : "")}, " +
               $"N={Questions}, chance {ChanceAccuracy:F3}" + (top is null ? "" : $", best layer {best}, top cell L{top.Layer} P{top.Position} accuracy {top.Accuracy:F3} [{top.AccuracyCiLow:F3}, {top.AccuracyCiHigh:F3}]") +
               $", {Elapsed.TotalSeconds:F2} s on {Device}";
    }
}
