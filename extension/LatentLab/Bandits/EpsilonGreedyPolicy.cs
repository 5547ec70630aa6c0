using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// Epsilon-greedy: with probability epsilon a uniformly random arm, otherwise the greedy choice
/// (each arm once, then the best empirical mean; ties to the lowest index).
/// </summary>
public sealed class EpsilonGreedyPolicy : StatisticsPolicy
{
    public EpsilonGreedyPolicy(double epsilon = 0.1)
    {
        if (!(epsilon >= 0 && epsilon <= 1))
            throw new ArgumentException($"epsilon must lie in [0, 1] (got {epsilon}).", nameof(epsilon));
        Epsilon = epsilon;
    }

    public double Epsilon { get; }

    public override string Name => PolicyNames.EpsilonGreedy;

    protected override Tensor Decide(ArmStatistics s, int step, Generator generator)
    {
        var greedy = TieBreaking.FirstMaximum(GreedyPolicy.Scores(s.Counts, s.Sums));                    // (B,)
        var explore = rand(greedy.shape, dtype: float32, device: greedy.device, generator: generator).lt(Epsilon);
        var randomArm = randint(0, Arms, greedy.shape, dtype: int64, device: greedy.device, generator: generator);
        return where(explore, randomArm, greedy);
    }
}
