using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>What <c>#!perturb</c> reads: the network to perturb and, optionally, a second one of the same shape for paired draws.</summary>
public sealed record PerturbInputs
{
    /// <summary>C# variable holding the model.</summary>
    [Knob("--model", "C# variable holding the network: an AlignmentPolicy, RlRun, BakedReference, TrainedStudent, the activations #!cot-synthetic bound (or its CotSyntheticResult) or any IPerturbationSubject.",
        TypeHint = "variable", Required = true)]
    public string? Model { get; init; }

    /// <summary>Optional second model, perturbed with the same draws.</summary>
    [Knob("--compare", "Optional second network of the same shape (e.g. the post-RL policy), perturbed with the same noise draws (paired).", TypeHint = "variable")]
    public string? Compare { get; init; }
}
