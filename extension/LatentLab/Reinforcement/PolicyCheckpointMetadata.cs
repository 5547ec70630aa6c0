namespace LatentLab.Reinforcement;

/// <summary>What a policy checkpoint records besides its weights: enough to rebuild the environment and the network.</summary>
public sealed record PolicyCheckpointMetadata
{
    /// <summary>Checkpoint format number.</summary>
    public int Format { get; init; } = PolicyCheckpoint.FormatVersion;

    /// <summary>The environment the policy acts in.</summary>
    public required AlignmentEnvironmentOptions Environment { get; init; }

    /// <summary>The policy's shape options.</summary>
    public required PolicyOptions Policy { get; init; }

    /// <summary>Number of stacked seeds.</summary>
    public required int Seeds { get; init; }

    /// <summary>Layer sizes: input, hidden..., output.</summary>
    public required int[] Sizes { get; init; }

    /// <summary>Free text (e.g. "pre-RL reference, deterministic split").</summary>
    public string Note { get; init; } = "";
}
