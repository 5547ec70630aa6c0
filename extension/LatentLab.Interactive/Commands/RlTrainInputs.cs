using LatentLab.Options;
using LatentLab.Reinforcement;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// What <c>#!rl-train</c> reads besides the algorithm's knobs (<see cref="PpoOptions"/>, GRPO's own
/// <see cref="RlTrainChoices.GrpoOnly"/>) and <see cref="RlTrainChoices"/> (algorithm, grid; shared with the console): the
/// reference, a notebook variable or a file, and where to save.
/// </summary>
public sealed record RlTrainInputs
{
    [Knob("--reference", "The reference policy: a C# variable from #!rl-bake (or an AlignmentPolicy / RlRun), or a policy file saved with --save.",
        TypeHint = "variable|path")]
    public string? Reference { get; init; }

    [Knob("--save", "Also save the trained policy (all seeds, with its environment) to this file.", TypeHint = "path")]
    public string? Save { get; init; }
}
