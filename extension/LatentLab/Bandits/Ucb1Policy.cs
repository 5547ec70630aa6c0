using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// UCB1 (Auer, Cesa-Bianchi, Fischer 2002): pull each arm once, then the arm maximising
/// mean_k + sqrt(2 ln t / n_k), where t is the number of pulls made so far and n_k the pulls of arm k.
/// Unpulled arms score +inf (so the first K pulls are arms 0, 1, ..., K-1); ties go to the lowest index.
/// </summary>
public sealed class Ucb1Policy : IBanditPolicy
{
    ArmStatistics? _stats;

    public string Name => PolicyNames.Ucb1;

    public void Reset(long batch, int arms, Device device, long seed)
    {
        _stats?.Dispose();
        _stats = new ArmStatistics(batch, arms, device);
    }

    /// <summary>(B, K) UCB1 index after <paramref name="pulls"/> pulls; +inf for arms never pulled.</summary>
    public static Tensor Index(Tensor counts, Tensor sums, int pulls)
    {
        using var scope = NewDisposeScope();
        var index = PulledIndex(counts.clamp_min(1f), sums, pulls);                     // (B, K)
        return index.masked_fill_(counts.eq(0), float.PositiveInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// mean + sqrt(2 ln t / n) for counts <paramref name="n"/> that are all at least 1, in place on one buffer (the same
    /// float operations whoever calls it, so UCB1 acting and UCB1 labelling give bit-identical indices).
    /// </summary>
    static Tensor PulledIndex(Tensor n, Tensor sums, int pulls) =>
        n.reciprocal().mul_(2.0 * Math.Log(Math.Max(pulls, 1))).sqrt_().add_(sums / n);

    /// <summary>(B, K) bool: the arms UCB1 considers best in this state (several when tied).</summary>
    public static Tensor BestArms(Tensor counts, Tensor sums, int pulls)
    {
        using var scope = NewDisposeScope();
        return TieBreaking.MaximumSet(Index(counts, sums, pulls)).MoveToOuterDisposeScope();
    }

    public Tensor Act(int step)
    {
        var s = _stats ?? throw PolicyNames.NotReset(Name);
        using var scope = NewDisposeScope();
        // UCB1 pulls every arm once in its first K pulls (unpulled arms score +inf), so from step K on no count is 0 and
        // the +inf mask (two tensor ops per step) is not needed.
        var index = step < s.Counts.shape[1] ? Index(s.Counts, s.Sums, step) : PulledIndex(s.Counts, s.Sums, step);
        return TieBreaking.FirstMaximum(index).MoveToOuterDisposeScope();
    }

    public void Observe(Tensor actions, Tensor rewards) => _stats?.Update(actions, rewards);

    public void Dispose() => _stats?.Dispose();
}
