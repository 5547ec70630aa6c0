using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// A policy that acts from the arm counts and reward sums of its own history, with a generator of its own seeded at every
/// <see cref="Reset"/>: the part epsilon-greedy, Thompson sampling and a fine-tuning attack's demonstrators share. A subclass
/// writes only its decision.
/// </summary>
public abstract class StatisticsPolicy : IBanditPolicy
{
    ArmStatistics? _stats;
    Generator? _generator;

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <summary>Arms of the bandits since the last reset.</summary>
    protected int Arms { get; private set; }

    /// <inheritdoc />
    public void Reset(long batch, int arms, Device device, long seed)
    {
        Dispose();
        _stats = new ArmStatistics(batch, arms, device);
        _generator = new Generator((ulong)seed, device);
        Arms = arms;
    }

    /// <inheritdoc />
    public Tensor Act(int step)
    {
        var stats = _stats ?? throw PolicyNames.NotReset(Name);
        using var scope = NewDisposeScope();
        return Decide(stats, step, _generator!).MoveToOuterDisposeScope();
    }

    /// <summary>(B,) int64 arms to pull after <paramref name="step"/> pulls, from the history so far (called inside a dispose scope).</summary>
    protected abstract Tensor Decide(ArmStatistics stats, int step, Generator generator);

    /// <inheritdoc />
    public void Observe(Tensor actions, Tensor rewards) => _stats?.Update(actions, rewards);

    public void Dispose()
    {
        _stats?.Dispose();
        _generator?.Dispose();
        _stats = null;
        _generator = null;
        GC.SuppressFinalize(this);
    }
}
