using LatentLab.Options;
using LatentLab.Reinforcement;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// What <c>#!rl-bake</c> reads besides <see cref="BakeOptions"/> and the rates (<see cref="BehaviourRateKnobs"/>, shared with
/// the console): where to save the policy.
/// </summary>
public sealed record RlBakeInputs
{
    [Knob("--save", "Also save the baked policy (all seeds, with its environment) to this file, for #!rl-train --reference PATH.", TypeHint = "path")]
    public string? Save { get; init; }
}
