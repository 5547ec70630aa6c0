using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>What <c>#!finetune-attack</c> reads: the policy to attack and, optionally, a second one attacked with the same demonstrations.</summary>
public sealed record FineTuneAttackInputs
{
    /// <summary>C# variable holding the policy.</summary>
    [Knob("--model", "C# variable holding the RL lab policy: an AlignmentPolicy, RlRun or BakedReference.", TypeHint = "variable", Required = true)]
    public string? Model { get; init; }

    /// <summary>Optional second policy, attacked with the same demonstration sets.</summary>
    [Knob("--compare", "Optional second policy of the same shape (e.g. the post-RL one), attacked with the same demonstration sets (paired).", TypeHint = "variable")]
    public string? Compare { get; init; }
}
