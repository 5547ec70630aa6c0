namespace LatentLab.Bandits;

/// <summary>Every knob of an evaluation: the options of <c>#!bandit-eval</c> and of <see cref="BanditEvaluator.Evaluate"/>.</summary>
public sealed record BanditEvaluationOptions
{
    /// <summary>K; null = the K the first candidate policy was made for (a student's training K), else 5.</summary>
    public int? Arms { get; init; }

    /// <summary>Pulls per episode (1..10000).</summary>
    public int Horizon { get; init; } = 100;

    /// <summary>Fresh episodes (the same ones for every policy).</summary>
    public int Episodes { get; init; } = 2000;

    /// <summary>Classic policies to run beside the student; null = all of random, greedy, eps-greedy, ucb1, thompson.</summary>
    public IReadOnlyList<string>? Baselines { get; init; }

    /// <summary>Training horizon used to split "before" and "after"; null = the first candidate policy's (a student's), else 50.</summary>
    public int? TrainHorizon { get; init; }

    public RewardKind Reward { get; init; } = RewardKind.Bernoulli;
    public double NoiseStd { get; init; } = 1.0;

    /// <summary>Fixed arm means for every episode; null = U(0,1) per episode.</summary>
    public double[]? Means { get; init; }

    /// <summary>Epsilon of eps-greedy.</summary>
    public double Epsilon { get; init; } = 0.1;

    /// <summary>Seeds the bandits, the reward tape and the policies' own coins. Evaluation bandits are drawn from a
    /// stream separate from training's, so they are always fresh episodes.</summary>
    public long Seed { get; init; }

    /// <summary>Torch threads for the run (0 keeps the current setting). One suits these small batched ops (a second thread
    /// mostly waits) and fixes the floating-point order, so the numbers repeat; speeds are in the README's Benchmarks.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Track agreement with UCB1 (UCB1 labels every state each policy visits).</summary>
    public bool Agreement { get; init; } = true;

    public IReadOnlyList<string> BaselinesOrDefault => Baselines ?? PolicyNames.Classic;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad option and the fix.</summary>
    public void Validate()
    {
        if (Arms is < 2) throw new ArgumentException($"--arms must be at least 2 (got {Arms}).", nameof(Arms));
        if (Horizon < 1 || Horizon > 10_000) throw new ArgumentException($"--horizon must lie in 1..10000 (got {Horizon}).", nameof(Horizon));
        if (Episodes < 2) throw new ArgumentException($"--episodes must be at least 2 to give a confidence interval (got {Episodes}).", nameof(Episodes));
        if (TrainHorizon is < 1) throw new ArgumentException($"--train-horizon must be at least 1 (got {TrainHorizon}).", nameof(TrainHorizon));
        foreach (var b in BaselinesOrDefault) PolicyNames.Normalize(b);
        if (!(Epsilon >= 0 && Epsilon <= 1)) throw new ArgumentException($"Epsilon must lie in [0, 1] (got {Epsilon}).", nameof(Epsilon));
    }
}
