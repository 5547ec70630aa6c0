using LatentLab.Options;

namespace LatentLab.Probes;

/// <summary>
/// What a probe sweep reads, for every front end (<c>#!probe-sweep</c>, <c>latentlab probe-sweep</c>): the activations and,
/// where they are not inside the activation file, labels, groups and the answer-letter baseline.
/// </summary>
public sealed record ProbeSweepInputs
{
    /// <summary>Activation file (or, in a notebook, a C# variable holding an ActivationSet).</summary>
    [Knob("--activations", "Activations (N, L, P, D): a .npy / .npz / .safetensors file (e.g. written by latentlab cot-synthetic), or in a " +
                           "notebook a C# variable holding an ActivationSet (e.g. from #!cot-synthetic).", TypeHint = "path|variable", Required = true)]
    public string? Activations { get; init; }

    /// <summary>Labels file.</summary>
    [Knob("--labels", "The model's final answer per question (.npy / .csv / .jsonl / .txt); not needed when the activation file holds an array named labels.",
        TypeHint = "path")]
    public string? Labels { get; init; }

    /// <summary>Group ids file.</summary>
    [Knob("--groups", "Optional group id per question; folds never split a group (e.g. paraphrases of one question).", TypeHint = "path")]
    public string? Groups { get; init; }

    /// <summary>Answer-letter scores file.</summary>
    [Knob("--baseline", "Optional answer-letter scores (N, P, C), e.g. the logits of A/B at every position (.npy / .npz / .safetensors).", TypeHint = "path")]
    public string? Baseline { get; init; }
}
