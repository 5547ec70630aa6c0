using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// Greedy: pulls each arm once (lowest index first), then always the arm with the best empirical mean.
/// Ties go to the lowest arm index (<see cref="TieBreaking.FirstMaximum"/>).
/// </summary>
public sealed class GreedyPolicy : IBanditPolicy
{
    ArmStatistics? _stats;

    public string Name => PolicyNames.Greedy;

    public void Reset(long batch, int arms, Device device, long seed)
    {
        _stats?.Dispose();
        _stats = new ArmStatistics(batch, arms, device);
    }

    /// <summary>(B, K) greedy scores: +inf for unpulled arms, else the empirical mean.</summary>
    public static Tensor Scores(Tensor counts, Tensor sums)
    {
        using var scope = NewDisposeScope();
        var means = sums / counts.clamp_min(1f);
        return where(counts.eq(0), full_like(means, float.PositiveInfinity), means).MoveToOuterDisposeScope();
    }

    public Tensor Act(int step)
    {
        var s = _stats ?? throw PolicyNames.NotReset(Name);
        using var scope = NewDisposeScope();
        return TieBreaking.FirstMaximum(Scores(s.Counts, s.Sums)).MoveToOuterDisposeScope();
    }

    public void Observe(Tensor actions, Tensor rewards) => _stats?.Update(actions, rewards);

    public void Dispose() => _stats?.Dispose();
}
