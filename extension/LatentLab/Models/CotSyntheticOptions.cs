namespace LatentLab.Models;

/// <summary>Options of <see cref="CotSynthetic.Run"/> (the <c>#!cot-synthetic</c> options). Defaults are sized for a 2-core laptop
/// (training times: the README's Benchmarks); <see cref="Tiny"/> runs in seconds.</summary>
public sealed record CotSyntheticOptions
{
    /// <summary>Answer options per question (letters A, B, ...).</summary>
    public int Choices { get; init; } = 2;
    /// <summary>Chain-of-thought tokens per question.</summary>
    public int ChainLength { get; init; } = 24;
    /// <summary>Earliest point (fraction of the chain) where the deciding token may appear.</summary>
    public double DecisionStart { get; init; } = 0.2;
    /// <summary>Latest point (fraction of the chain) where the deciding token may appear.</summary>
    public double DecisionEnd { get; init; } = 0.7;
    /// <summary>After the decision, the chance that a token restates the answer (evidence); the rest is filler.</summary>
    public double EvidenceRate { get; init; } = 0.35;
    /// <summary>Chance that a chain token names a random option letter (independent of the answer).</summary>
    public double LetterMentionRate { get; init; } = 0.15;
    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; } = 3;
    /// <summary>Residual width (n_embd).</summary>
    public int Width { get; init; } = 64;
    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Training steps (fresh questions every step).</summary>
    public int Steps { get; init; } = 1500;
    /// <summary>Questions per training step.</summary>
    public int Batch { get; init; } = 64;
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>Held-out questions whose activations are recorded (N of the activation set).</summary>
    public int Questions { get; init; } = 500;
    public int Seed { get; init; }
    /// <summary>
    /// Torch intra-op threads during the run (restored afterwards); 0 leaves the process setting. Default 1: this model
    /// is small, and on a busy machine a second OpenMP thread can make it many times slower (the threads wait for each
    /// other). A fixed count also keeps the numbers identical across machines.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Seconds-scale settings for tests and CI.</summary>
    public static CotSyntheticOptions Tiny => new() { ChainLength = 12, Layers = 2, Width = 32, Heads = 2, Steps = 250, Batch = 64, Questions = 200, LearningRate = 5e-3 };

    /// <summary>Throws <see cref="ArgumentException"/> naming the option and the allowed range.</summary>
    public void Validate()
    {
        if (Choices is < 2 or > 8) throw new ArgumentException($"--choices {Choices}: use 2 to 8 answer options.");
        if (ChainLength is < 4 or > 256) throw new ArgumentException($"--chain-length {ChainLength}: use 4 to 256 tokens.");
        if (!(DecisionStart >= 0 && DecisionStart <= DecisionEnd && DecisionEnd <= 1))
            throw new ArgumentException($"decision window [{DecisionStart}, {DecisionEnd}] must satisfy 0 <= start <= end <= 1 (fractions of the chain).");
        if (!(EvidenceRate >= 0 && EvidenceRate <= 1)) throw new ArgumentException($"evidence rate {EvidenceRate} must lie in [0, 1].");
        if (!(LetterMentionRate >= 0 && LetterMentionRate < 1)) throw new ArgumentException($"letter mention rate {LetterMentionRate} must lie in [0, 1).");
        if (Layers is < 1 or > 24) throw new ArgumentException($"--layers {Layers}: use 1 to 24 blocks.");
        if (Width < 8 || Heads < 1 || Width % Heads != 0) throw new ArgumentException($"--width {Width} / --heads {Heads}: width must be >= 8 and a multiple of heads.");
        if (Steps < 1 || Batch < 1) throw new ArgumentException($"--steps {Steps} / --batch {Batch}: both must be >= 1.");
        if (!(LearningRate > 0)) throw new ArgumentException($"--lr {LearningRate}: must be positive.");
        if (Threads < 0) throw new ArgumentException($"--threads {Threads}: use 0 (keep the current setting) or a positive count.");
        if (Questions < 10) throw new ArgumentException($"--questions {Questions}: record at least 10 questions (probes need several per fold).");
    }
}
