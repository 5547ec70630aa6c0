using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// Epsilon-greedy: with probability epsilon a uniformly random arm, otherwise the greedy choice
/// (each arm once, then the best empirical mean; ties to the lowest index).
/// </summary>
public sealed class EpsilonGreedyPolicy : IBanditPolicy
{
    ArmStatistics? _stats;
    Generator? _generator;
    int _arms;

    public EpsilonGreedyPolicy(double epsilon = 0.1)
    {
        if (!(epsilon >= 0 && epsilon <= 1))
            throw new ArgumentException($"epsilon must lie in [0, 1] (got {epsilon}).", nameof(epsilon));
        Epsilon = epsilon;
    }

    public double Epsilon { get; }

    public string Name => PolicyNames.EpsilonGreedy;

    public void Reset(long batch, int arms, Device device, long seed)
    {
        Dispose();
        _stats = new ArmStatistics(batch, arms, device);
        _generator = new Generator((ulong)seed, device);
        _arms = arms;
    }

    public Tensor Act(int step)
    {
        var s = _stats ?? throw PolicyNames.NotReset(Name);
        using var scope = NewDisposeScope();
        var greedy = TieBreaking.FirstMaximum(GreedyPolicy.Scores(s.Counts, s.Sums));                    // (B,)
        var explore = rand(greedy.shape, dtype: float32, device: greedy.device, generator: _generator).lt(Epsilon);
        var randomArm = randint(0, _arms, greedy.shape, dtype: int64, device: greedy.device, generator: _generator);
        return where(explore, randomArm, greedy).MoveToOuterDisposeScope();
    }

    public void Observe(Tensor actions, Tensor rewards) => _stats?.Update(actions, rewards);

    public void Dispose()
    {
        _stats?.Dispose();
        _generator?.Dispose();
        _stats = null;
        _generator = null;
    }
}
