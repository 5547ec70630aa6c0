using LatentLab.Options;

namespace LatentLab.Models;

/// <summary>Options of <see cref="CotSynthetic.Run"/> (the <c>#!cot-synthetic</c> options; each knob declared once, [Knob]). Defaults are sized for a 2-core laptop
/// (training times: the README's Benchmarks); <see cref="Tiny"/> runs in seconds.</summary>
public sealed record CotSyntheticOptions : IKnobRules
{
    /// <summary>Answer options per question (letters A, B, ...).</summary>
    [Knob("--choices", "Answer options per question (letters A, B, ...).", Min = 2, Max = 8)]
    public int Choices { get; init; } = 2;
    /// <summary>Chain-of-thought tokens per question.</summary>
    [Knob("--chain-length", "Chain-of-thought tokens per question.", Min = 4, Max = 256)]
    public int ChainLength { get; init; } = 24;
    /// <summary>Earliest point (fraction of the chain) where the deciding token may appear.</summary>
    [Knob("--decision-start", "Earliest point (fraction of the chain) where the deciding token may appear.", Min = 0, Max = 1)]
    public double DecisionStart { get; init; } = 0.2;
    /// <summary>Latest point (fraction of the chain) where the deciding token may appear.</summary>
    [Knob("--decision-end", "Latest point (fraction of the chain) where the deciding token may appear.", Min = 0, Max = 1)]
    public double DecisionEnd { get; init; } = 0.7;
    /// <summary>After the decision, the chance that a token restates the answer (evidence); the rest is filler.</summary>
    [Knob("--evidence-rate", "After the decision, the chance that a token restates the answer (the rest is filler).", Min = 0, Max = 1)]
    public double EvidenceRate { get; init; } = 0.35;
    /// <summary>Chance that a chain token names a random option letter (independent of the answer).</summary>
    [Knob("--letter-rate", "Chance that a chain token names a random option letter (independent of the answer).", Min = 0, Max = 1, ExclusiveMax = true)]
    public double LetterMentionRate { get; init; } = 0.15;
    /// <summary>Transformer blocks.</summary>
    [Knob("--layers", "Transformer blocks (the activation set has one more layer: the embedding).", Min = 1, Max = 24)]
    public int Layers { get; init; } = 3;
    /// <summary>Residual width (n_embd).</summary>
    [Knob("--width", "Residual width (a multiple of --heads).", Min = 8, Max = 1024)]
    public int Width { get; init; } = 64;
    /// <summary>Attention heads.</summary>
    [Knob("--heads", "Attention heads.", Min = 1, Max = 64)]
    public int Heads { get; init; } = 4;
    /// <summary>Training steps (fresh questions every step).</summary>
    [Knob("--steps", "Training steps (fresh questions every step).", Min = 1, Max = 1_000_000)]
    public int Steps { get; init; } = 1500;
    /// <summary>Questions per training step.</summary>
    [Knob("--batch", "Questions per training step.", Min = 1, Max = 65_536)]
    public int Batch { get; init; } = 64;
    [Knob("--lr", "AdamW learning rate.", Min = 0, Max = 1, ExclusiveMin = true)]
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>Held-out questions whose activations are recorded (N of the activation set).</summary>
    [Knob("--questions", "Held-out questions whose activations are recorded (N of the activation set).", Min = 10, Max = 1_000_000)]
    public int Questions { get; init; } = 500;
    [Knob("--seed", "Random seed of the task, the weights and the held-out questions.", Min = 0)]
    public int Seed { get; init; }
    /// <summary>
    /// Torch intra-op threads during the run (restored afterwards); 0 leaves the process setting. Default 1: this model
    /// is small, and on a busy machine a second OpenMP thread can make it many times slower (the threads wait for each
    /// other). A fixed count also keeps the numbers identical across machines.
    /// </summary>
    [Knob("--threads", "Torch threads during training (0: keep the process setting).", Min = 0, Max = 1024)]
    public int Threads { get; init; } = 1;

    /// <summary>Seconds-scale settings for tests and CI.</summary>
    public static CotSyntheticOptions Tiny => new() { ChainLength = 12, Layers = 2, Width = 32, Heads = 2, Steps = 250, Batch = 64, Questions = 200, LearningRate = 5e-3 };

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (DecisionStart > DecisionEnd)
            yield return $"the decision window runs backwards: {{DecisionStart}} {DecisionStart} is after {{DecisionEnd}} {DecisionEnd}.";
        if (Width % Heads != 0)
            yield return $"{{Width}} {Width} must be a multiple of {{Heads}} {Heads} (each head gets width / heads dimensions).";
    }
}
