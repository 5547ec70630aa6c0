using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>What <c>#!bandit-train</c> takes beside the training knobs: where to save the student.</summary>
public sealed record BanditTrainInputs
{
    /// <summary>Checkpoint path, or null: not saved.</summary>
    [Knob("--save", "Also save the trained student to this file (a checkpoint; load it with #!bandit-eval --load PATH).", TypeHint = "path")]
    public string? Save { get; init; }
}
