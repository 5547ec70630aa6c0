using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>What <c>#!finetune-attack</c> reads: the network to attack and, optionally, a second one attacked with the same demonstrations.</summary>
public sealed record FineTuneAttackInputs
{
    /// <summary>C# variable holding the network.</summary>
    [Knob("--model", "C# variable holding the network: an RL lab policy (AlignmentPolicy, RlRun or BakedReference), a bandit student (TrainedStudent) or the cot-synthetic transformer (the activations #!cot-synthetic bound, or its CotSyntheticResult); its type decides the targets and the control.",
        TypeHint = "variable", Required = true)]
    public string? Model { get; init; }

    /// <summary>Optional second network of the same kind and shape, attacked with the same demonstration sets.</summary>
    [Knob("--compare", "Optional second network of the same kind and shape (e.g. the post-RL policy), attacked with the same demonstration sets (paired).", TypeHint = "variable")]
    public string? Compare { get; init; }
}
