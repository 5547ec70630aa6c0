namespace LatentLab.Reinforcement;

/// <summary>
/// Hyper-parameters of <see cref="Ppo"/> on the alignment environment (CleanRL's ppo.py names; its defaults where they fit an
/// episodic three-decision task). The KL to the reference enters the reward per token (Ziegler et al. 2019).
/// </summary>
public sealed record PpoOptions
{
    /// <summary>Seeds trained at once as one batched network (1..1024).</summary>
    public int Seeds { get; init; } = 16;

    /// <summary>Base seed: seed s's network and samples follow from it (any integer).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>PPO iterations (rollout + update), (1..100000).</summary>
    public int Iterations { get; init; } = 200;

    /// <summary>Episodes per seed per iteration (8..65536).</summary>
    public int Episodes { get; init; } = 256;

    /// <summary>Adam learning rate (0..1).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Anneal the learning rate linearly to zero over the run (CleanRL's anneal_lr); it also settles the policy at the optimum.</summary>
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Update epochs per iteration (1..64).</summary>
    public int Epochs { get; init; } = 4;

    /// <summary>Minibatches per epoch (1..Episodes).</summary>
    public int Minibatches { get; init; } = 4;

    /// <summary>Discount over the three decisions (0..1).</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>GAE lambda (0..1).</summary>
    public double GaeLambda { get; init; } = 0.95;

    /// <summary>Clipping range of the probability ratio (0..1).</summary>
    public double Clip { get; init; } = 0.2;

    /// <summary>Entropy bonus (0..1). 0 by default: a bonus pulls towards uniform and moves the optimum off pi_ref exp(r / beta); CleanRL uses 0.01.</summary>
    public double EntropyCoefficient { get; init; } = 0.0;

    /// <summary>Value-loss weight (0..10).</summary>
    public double ValueCoefficient { get; init; } = 0.5;

    /// <summary>Largest gradient norm, per seed over policy and value networks (0..100).</summary>
    public double MaxGradNorm { get; init; } = 0.5;

    /// <summary>Normalise advantages per seed and minibatch (CleanRL's norm_adv).</summary>
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>KL coefficient beta of the per-token penalty -beta * log(pi / pi_ref) (0..100); the start value when adaptive.</summary>
    public double KlCoefficient { get; init; } = 0.1;

    /// <summary>Target sequence KL for an adaptive coefficient (Ziegler's controller); 0 keeps beta fixed (0..100).</summary>
    public double KlTarget { get; init; } = 0.0;

    /// <summary>Horizon of the adaptive controller in episodes: beta *= 1 + clip(KL / target - 1, +-0.2) * B / horizon (1..1e9).</summary>
    public double KlHorizon { get; init; } = 10000;

    /// <summary>Width of the value network's hidden layers (1..1024); its depth is the policy's.</summary>
    public int ValueWidth { get; init; } = 64;

    /// <summary>Evaluate every this many iterations (1..Iterations); the metrics are exact on the evaluation set.</summary>
    public int EvalEvery { get; init; } = 10;

    /// <summary>Evaluation contexts per (harmful, monitored) type (1..100000).</summary>
    public int EvalPerType { get; init; } = 128;

    /// <summary>Seed of the evaluation set (the same set for every run with this seed).</summary>
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
        Range(nameof(Episodes), Episodes, 8, 65536);
        Range(nameof(LearningRate), LearningRate, 0, 1);
        Range(nameof(Epochs), Epochs, 1, 64);
        Range(nameof(Minibatches), Minibatches, 1, Episodes);
        Range(nameof(Gamma), Gamma, 0, 1);
        Range(nameof(GaeLambda), GaeLambda, 0, 1);
        Range(nameof(Clip), Clip, 0, 1);
        Range(nameof(EntropyCoefficient), EntropyCoefficient, 0, 1);
        Range(nameof(ValueCoefficient), ValueCoefficient, 0, 10);
        Range(nameof(MaxGradNorm), MaxGradNorm, 0, 100);
        Range(nameof(KlCoefficient), KlCoefficient, 0, 100);
        Range(nameof(KlTarget), KlTarget, 0, 100);
        Range(nameof(KlHorizon), KlHorizon, 1, 1e9);
        Range(nameof(ValueWidth), ValueWidth, 1, 1024);
        Range(nameof(EvalEvery), EvalEvery, 1, Iterations);
        Range(nameof(EvalPerType), EvalPerType, 1, 100000);
        Range(nameof(Threads), Threads, 0, 256);
    }
}
