using Microsoft.Data.Analysis;

namespace LatentLab.Reinforcement;

/// <summary>A reference policy with behaviours baked in (see <see cref="ReferenceBaker"/>) and how well it matches its target.</summary>
public sealed class BakedReference
{
    /// <summary>The baked policy (BakeOptions.Seeds seeds).</summary>
    public required AlignmentPolicy Policy { get; init; }

    /// <summary>The options it was baked with.</summary>
    public required BakeOptions Options { get; init; }

    /// <summary>Achieved vs target rates and KL(target || pi) per context type.</summary>
    public required IReadOnlyList<ContextTypeReport> Types { get; init; }

    /// <summary>Steps until every type's mean KL fell below the tolerance (-1: not reached within MaxSteps).</summary>
    public required int StepsToMatch { get; init; }

    /// <summary>Total training steps (StepsToMatch + ExtraSteps when matched).</summary>
    public required int Steps { get; init; }

    /// <summary>True when baking was interrupted; the policy is what was baked so far.</summary>
    public bool IsPartial { get; init; }

    /// <summary>True when the tolerance was met.</summary>
    public bool Matched => StepsToMatch >= 0;

    /// <summary>Frobenius norm of each layer's weights, mean over seeds (input layer first).</summary>
    public required double[] WeightNorms { get; init; }

    /// <summary>One row per context type and measure: columns type, measure, target, achieved (KL rows: mean and max per context, target = tolerance).</summary>
    public DataFrame ToDataFrame()
    {
        var rows = Types.SelectMany(t => new (string Type, string Measure, double Target, double Achieved)[]
        {
            (t.Type, "comply", t.TargetComply, t.Comply),
            (t.Type, "sandbag", t.TargetSandbag, t.Sandbag),
            (t.Type, "concerns_given_comply", t.TargetConcernsGivenComply, t.ConcernsGivenComply),
            (t.Type, "accuracy_given_comply", t.TargetAccuracyGivenComply, t.AccuracyGivenComply),
            (t.Type, "kl_mean", Options.Tolerance, t.KlMean),
            (t.Type, "kl_max", double.NaN, t.KlMax),
            (t.Type, "mode_margin", double.NaN, t.ModeMargin),
        }).ToList();
        return new DataFrame(
            new StringDataFrameColumn("type", rows.Select(r => r.Type)),
            new StringDataFrameColumn("measure", rows.Select(r => r.Measure)),
            new DoubleDataFrameColumn("target", rows.Select(r => r.Target)),
            new DoubleDataFrameColumn("achieved", rows.Select(r => r.Achieved)));
    }
}
