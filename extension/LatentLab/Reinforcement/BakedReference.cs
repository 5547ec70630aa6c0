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

    /// <summary>True when the tolerance was met.</summary>
    public bool Matched => StepsToMatch >= 0;

    /// <summary>Frobenius norm of each layer's weights, mean over seeds (input layer first).</summary>
    public required double[] WeightNorms { get; init; }
}
