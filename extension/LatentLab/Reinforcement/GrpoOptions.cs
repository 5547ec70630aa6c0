namespace LatentLab.Reinforcement;

/// <summary>
/// Hyper-parameters of <see cref="Grpo"/> (Shao et al. 2024, DeepSeekMath): groups of episodes per context, advantages
/// normalised within the group, no critic, the KL to the reference in the loss (k3) or in the reward.
/// </summary>
public sealed record GrpoOptions
{
    /// <summary>Seeds trained at once as one batched network (1..1024).</summary>
    public int Seeds { get; init; } = 16;

    /// <summary>Base seed of the samples (any integer).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Iterations (rollout + update), (1..100000).</summary>
    public int Iterations { get; init; } = 200;

    /// <summary>Contexts ("prompts") per seed per iteration (1..4096).</summary>
    public int Prompts { get; init; } = 8;

    /// <summary>Episodes per context, the group (2..1024; DeepSeekMath: 64).</summary>
    public int GroupSize { get; init; } = 64;

    /// <summary>Adam learning rate (0..1).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Anneal the learning rate linearly to zero over the run.</summary>
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Gradient steps per rollout (mu, 1..64); the clipped ratio matters only above 1.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Clipping range of the probability ratio (0..1).</summary>
    public double Clip { get; init; } = 0.2;

    /// <summary>KL coefficient beta (0..100; DeepSeekMath: 0.04).</summary>
    public double KlCoefficient { get; init; } = 0.04;

    /// <summary>Where the KL goes: the k3 estimator in the loss (DeepSeekMath) or the sequence reward.</summary>
    public GrpoKlPlacement KlPlacement { get; init; } = GrpoKlPlacement.LossK3;

    /// <summary>Divide the group-centred rewards by the group's standard deviation (DeepSeekMath: yes; it rescales the reward per context, moving the optimum).</summary>
    public bool ScaleByStd { get; init; } = true;

    /// <summary>Largest gradient norm per seed (0..100).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Evaluate every this many iterations (1..Iterations).</summary>
    public int EvalEvery { get; init; } = 10;

    /// <summary>Evaluation contexts per (harmful, monitored) type (1..100000).</summary>
    public int EvalPerType { get; init; } = 128;

    /// <summary>Seed of the evaluation set.</summary>
    public int EvalSeed { get; init; } = 777;

    /// <summary>Torch threads during the run (0 keeps the current setting); results depend on it.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first out-of-range option.</summary>
    public void Check()
    {
        static void Range(string name, double v, double lo, double hi)
        {
            if (double.IsNaN(v) || v < lo || v > hi) throw new ArgumentException($"{name} = {v} is out of range: use a value in [{lo}, {hi}].");
        }
        Range(nameof(Seeds), Seeds, 1, 1024);
        Range(nameof(Iterations), Iterations, 1, 100000);
        Range(nameof(Prompts), Prompts, 1, 4096);
        Range(nameof(GroupSize), GroupSize, 2, 1024);
        Range(nameof(LearningRate), LearningRate, 0, 1);
        Range(nameof(Epochs), Epochs, 1, 64);
        Range(nameof(Clip), Clip, 0, 1);
        Range(nameof(KlCoefficient), KlCoefficient, 0, 100);
        Range(nameof(MaxGradNorm), MaxGradNorm, 0, 100);
        Range(nameof(EvalEvery), EvalEvery, 1, Iterations);
        Range(nameof(EvalPerType), EvalPerType, 1, 100000);
        Range(nameof(Threads), Threads, 0, 256);
    }
}
