using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>What <c>latentlab probe-sweep</c> reads: the activation file and, where they are not inside it, labels, groups and baseline.</summary>
public sealed record ProbeSweepFiles
{
    /// <summary>Activation file.</summary>
    [Knob("--activations", "Activations (N, L, P, D): a .npy / .npz / .safetensors file, e.g. acts.safetensors written by latentlab cot-synthetic.",
        TypeHint = "path", Required = true)]
    public string? Activations { get; init; }

    /// <summary>Labels file.</summary>
    [Knob("--labels", "The model's final answer per question (.npy / .csv / .jsonl / .txt); not needed when the activation file holds an array named labels.",
        TypeHint = "path")]
    public string? Labels { get; init; }

    /// <summary>Group ids file.</summary>
    [Knob("--groups", "Optional group id per question; folds never split a group (e.g. paraphrases of one question).", TypeHint = "path")]
    public string? Groups { get; init; }

    /// <summary>Answer-letter scores file.</summary>
    [Knob("--baseline", "Optional answer-letter scores (N, P, C), e.g. baseline.npy written by latentlab cot-synthetic.", TypeHint = "path")]
    public string? Baseline { get; init; }
}
