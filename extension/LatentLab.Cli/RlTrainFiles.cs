using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>What <c>latentlab rl-train</c> reads: the reference policy's file (a terminal has no notebook variables).</summary>
public sealed record RlTrainFiles
{
    /// <summary>The reference policy checkpoint.</summary>
    [Knob("--reference", "The reference policy file, e.g. reference.policy written by latentlab rl-bake (or policy.policy of an earlier rl-train).",
        TypeHint = "path", Required = true)]
    public string? Reference { get; init; }
}
