using LatentLab.Options;

namespace LatentLab.Bandits;

/// <summary>Every knob of an evaluation, declared once ([Knob]): <c>#!bandit-eval</c>, its help and the console tool come from it.</summary>
public sealed record BanditEvaluationOptions : IKnobRules
{
    /// <summary>K; null = the K the first candidate policy was made for (a student's training K), else 5.</summary>
    [Knob("--arms", "K of the evaluation bandits (default: the student's K, or 5 without a student).", Min = 2, Max = 64, DefaultText = "the student's")]
    public int? Arms { get; init; }

    /// <summary>Pulls per episode (1..10000).</summary>
    [Knob("--horizon", "Pulls per evaluation episode (may go past the training horizon: that is the point).", Min = 1, Max = 10_000)]
    public int Horizon { get; init; } = 100;

    /// <summary>Fresh episodes (the same ones for every policy).</summary>
    [Knob("--episodes", "Fresh episodes, the same bandits and reward draws for every policy.", Min = 2, Max = 1_000_000)]
    public int Episodes { get; init; } = 2000;

    /// <summary>Classic policies to run beside the student; null = all of random, greedy, eps-greedy, ucb1, thompson.</summary>
    [Knob("--baselines", "Classic policies to compare with.", Choices = ["random", "greedy", "eps-greedy", "ucb1", "thompson"], DefaultText = "random,greedy,eps-greedy,ucb1,thompson")]
    public IReadOnlyList<string>? Baselines { get; init; }

    /// <summary>Training horizon used to split "before" and "after"; null = the first candidate policy's (a student's), else 50.</summary>
    [Knob("--train-horizon", "Step that splits \"before\" and \"after\" in the agreement and regret summaries (default: the student's).", Min = 1, Max = 10_000, DefaultText = "the student's")]
    public int? TrainHorizon { get; init; }

    [Knob("--reward", "Reward distribution of every arm; means ~ U(0,1) per episode.")]
    public RewardKind Reward { get; init; } = RewardKind.Bernoulli;
    [Knob("--noise-std", "Standard deviation of gaussian rewards.", Min = 0, ExclusiveMin = true)]
    public double NoiseStd { get; init; } = 1.0;

    /// <summary>Fixed arm means for every episode; null = U(0,1) per episode.</summary>
    public double[]? Means { get; init; }

    /// <summary>Epsilon of eps-greedy.</summary>
    [Knob("--epsilon", "Exploration rate of eps-greedy.", Min = 0, Max = 1)]
    public double Epsilon { get; init; } = 0.1;

    /// <summary>Seeds the bandits, the reward tape and the policies' own coins. Evaluation bandits are drawn from a
    /// stream separate from training's, so they are always fresh episodes.</summary>
    [Knob("--seed", "Random seed of the bandits, the reward tape and the policies' coins (evaluation bandits never repeat training's).", Min = 0)]
    public long Seed { get; init; }

    /// <summary>Torch threads for the run (0 keeps the current setting). One suits these small batched ops (a second thread
    /// mostly waits) and fixes the floating-point order, so the numbers repeat; speeds are in the README's Benchmarks.</summary>
    [Knob("--threads", "Torch threads during the evaluation (0: keep the process setting).", Min = 0, Max = 1024)]
    public int Threads { get; init; } = 1;

    /// <summary>Track agreement with UCB1 (UCB1 labels every state each policy visits).</summary>
    [Knob("--agreement", "Track agreement with UCB1 (UCB1 labels every state each policy visits).")]
    public bool Agreement { get; init; } = true;

    public IReadOnlyList<string> BaselinesOrDefault => Baselines ?? PolicyNames.Classic;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Means is { } means && Arms is { } arms && means.Length != arms)
            yield return $"{means.Length} arm means were given for {{Arms}} {arms}; give exactly one mean per arm.";
    }
}
