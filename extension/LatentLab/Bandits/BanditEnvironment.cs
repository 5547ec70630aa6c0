using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// B bandit episodes stepped together by one tensor op, with common random numbers: the arm means and a reward
/// tape are drawn once from the seed, and the n-th pull of arm k in episode b always pays tape[b, k, n]. So every
/// policy run on the same environment (after <see cref="Reset"/>) meets the same bandits and, pull for pull of
/// each arm, the same rewards; differences between policies are then due to the policies alone.
/// </summary>
public sealed class BanditEnvironment : IDisposable
{
    readonly Tensor _tape;      // (B * K * T) flat rewards: Bernoulli -> 1 if a U(0,1) draw < the arm's mean, Gaussian -> mean + N(0,1) * sd
    readonly Tensor _start;     // (B, K) int64: where arm k of episode b starts on the tape, (b * K + k) * T
    readonly Tensor _next;      // (B, K) int64: tape position of each arm's next pull (its start + pulls since reset)
    readonly Tensor _oneLong;   // (B, 1) int64 ones: the step of _next per pull

    public BanditSpec Spec { get; }
    public long Batch { get; }
    public int Horizon { get; }
    public Device Device { get; }

    /// <summary>(B, K) float32 arm means.</summary>
    public Tensor Means { get; }

    /// <summary>(B,) float32 mean of the best arm.</summary>
    public Tensor BestMean { get; }

    /// <summary>Counts and reward sums of the arms pulled since the last reset (the acting policy's history).</summary>
    public ArmStatistics Statistics { get; }

    /// <summary>(B * K * T) float32 reward tape: the n-th pull of arm k in episode b pays element (b * K + k) * T + n (read by
    /// the DAgger rollout's fused path, which keeps its own counts).</summary>
    internal Tensor Tape => _tape;

    /// <summary>Pulls made since the last reset.</summary>
    public int Step { get; private set; }

    /// <summary>
    /// Draws <paramref name="batch"/> episodes of at most <paramref name="horizon"/> pulls from <paramref name="seed"/>
    /// on <paramref name="device"/>. The tape holds B*K*T numbers (4 bytes each).
    /// </summary>
    public static BanditEnvironment Create(BanditSpec spec, long batch, int horizon, long seed, Device device)
    {
        using var generator = new Generator((ulong)seed, device);
        return new BanditEnvironment(spec, batch, horizon, generator, device);
    }

    /// <summary>Draws the episodes from an existing generator (used by training to get fresh bandits each step).</summary>
    public BanditEnvironment(BanditSpec spec, long batch, int horizon, Generator generator, Device device)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(device);
        spec.Validate();
        if (batch < 1) throw new ArgumentException($"The number of episodes must be at least 1 (got {batch}).", nameof(batch));
        if (horizon < 1) throw new ArgumentException($"The horizon must be at least 1 pull (got {horizon}).", nameof(horizon));
        long cells = batch * spec.Arms * (long)horizon;
        if (cells > 400_000_000)
            throw new ArgumentException(
                $"{batch} episodes x {spec.Arms} arms x {horizon} steps needs a reward tape of {cells * 4 / 1_000_000} MB; " +
                "use fewer episodes or a shorter horizon (at most 400 M cells).");
        Spec = spec;
        Batch = batch;
        Horizon = horizon;
        Device = device;
        int k = spec.Arms;
        using var scope = NewDisposeScope();
        Tensor means = spec.Means is null
            ? rand(new long[] { batch, k }, dtype: float32, device: device, generator: generator)
            : tensor(spec.Means.Select(m => (float)m).ToArray(), dtype: float32, device: device).unsqueeze(0).expand(batch, k).contiguous();
        // The rewards themselves are drawn up front (same draws and float operations as drawing them pull by pull), so a
        // pull only looks its reward up.
        var draws = (spec.Reward == RewardKind.Bernoulli
            ? rand(new long[] { batch * k * horizon }, dtype: float32, device: device, generator: generator)
            : randn(new long[] { batch * k * horizon }, dtype: float32, device: device, generator: generator)).view(batch, k, horizon);
        var armMeans = means.unsqueeze(2);                                                    // (B, K, 1)
        if (spec.Reward == RewardKind.Bernoulli)
        {
            using var hit = draws.lt(armMeans);                                               // 1 byte per cell, freed at once
            draws.copy_(hit);                                                                 // in place: 1.0 / 0.0
        }
        else
        {
            draws.mul_((float)spec.NoiseStd).add_(armMeans);
        }
        _tape = draws.view(-1);
        Means = means;
        BestMean = means.amax(new long[] { 1 });
        _start = (arange(batch * k, dtype: int64, device: device) * horizon).view(batch, k);
        _next = _start.clone();
        _oneLong = ones(batch, 1, dtype: int64, device: device);
        Means.DetachFromDisposeScope();
        BestMean.DetachFromDisposeScope();
        _tape.DetachFromDisposeScope();
        _start.DetachFromDisposeScope();
        _next.DetachFromDisposeScope();
        _oneLong.DetachFromDisposeScope();
        Statistics = new ArmStatistics(batch, k, device);
    }

    /// <summary>
    /// <paramref name="copies"/> x B episodes, copy-major (episode c*B + b is episode b of this environment): the same bandits
    /// and the same reward tape repeated, so C policies rolled out side by side in one batch (e.g. the stacked copies of
    /// <c>StackedStudentPolicy</c>) meet exactly the bandits and rewards each would meet here alone.
    /// </summary>
    public BanditEnvironment Replicate(int copies)
    {
        if (copies < 1) throw new ArgumentException($"copies = {copies}: replicate at least one copy.", nameof(copies));
        long cells = copies * Batch * Spec.Arms * (long)Horizon;
        if (cells > 400_000_000)
            throw new ArgumentException($"{copies} copies x {Batch} episodes x {Spec.Arms} arms x {Horizon} steps needs a reward tape of {cells * 4 / 1_000_000} MB; " +
                                        "use fewer copies per batch (at most 400 M cells).", nameof(copies));
        using var scope = NewDisposeScope();
        return new BanditEnvironment(Spec, Batch * copies, Horizon, Device, Means.repeat(copies, 1), _tape.repeat(copies));
    }

    BanditEnvironment(BanditSpec spec, long batch, int horizon, Device device, Tensor means, Tensor tape)
    {
        Spec = spec;
        Batch = batch;
        Horizon = horizon;
        Device = device;
        int k = spec.Arms;
        Means = means.DetachFromDisposeScope();
        _tape = tape.DetachFromDisposeScope();
        BestMean = means.amax(new long[] { 1 }).DetachFromDisposeScope();
        _start = (arange(batch * k, dtype: int64, device: device) * horizon).view(batch, k).DetachFromDisposeScope();
        _next = _start.clone().DetachFromDisposeScope();
        _oneLong = ones(batch, 1, dtype: int64, device: device).DetachFromDisposeScope();
        Statistics = new ArmStatistics(batch, k, device);
    }

    /// <summary>Back to step 0 with the same bandits and the same reward tape.</summary>
    public void Reset()
    {
        Statistics.Reset();
        _next.copy_(_start);
        Step = 0;
    }

    /// <summary>
    /// The state after a rollout played outside <see cref="Pull"/> from a reset (the fused student rollout keeps its own
    /// counts): counts and reward sums per episode and arm (B x K, row-major) and the number of pulls made.
    /// </summary>
    internal void SetPlayed(float[] counts, float[] sums, int pulls)
    {
        using var scope = NewDisposeScope();
        var c = tensor(counts, new long[] { Batch, Spec.Arms }).to(Device);
        Statistics.Counts.copy_(c);
        Statistics.Sums.copy_(tensor(sums, new long[] { Batch, Spec.Arms }).to(Device));
        _next.copy_(_start + c.to(int64));
        Step = pulls;
    }

    /// <summary>Pulls <paramref name="actions"/> (B,) int64; returns the rewards (B,) float32.</summary>
    public Tensor Pull(Tensor actions)
    {
        if (Step >= Horizon)
            throw new InvalidOperationException($"This environment was drawn for {Horizon} pulls; create it with a longer horizon.");
        using var scope = NewDisposeScope();
        // Per pull: the arm's next tape position, its reward, the position moved on by one (a few tensor ops in all).
        var a = actions.unsqueeze(1);                                             // (B, 1)
        var reward = _tape.take(_next.gather(1, a));                              // (B, 1)
        _next.scatter_add_(1, a, _oneLong);
        Statistics.UpdateColumns(a, reward);
        Step++;
        return reward.squeeze(1).MoveToOuterDisposeScope();                       // (B,)
    }

    /// <summary>
    /// Pseudo-regret of pulling <paramref name="actions"/>: best mean minus the chosen arm's mean; (B,) actions give (B,),
    /// (B, T) actions (one column per step) give (B, T).
    /// </summary>
    public Tensor Regret(Tensor actions)
    {
        using var scope = NewDisposeScope();
        if (actions.dim() == 2)
            return (BestMean.unsqueeze(1) - Means.gather(1, actions)).MoveToOuterDisposeScope();
        return (BestMean - Means.gather(1, actions.unsqueeze(1)).squeeze(1)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _tape.Dispose();
        _start.Dispose();
        _next.Dispose();
        _oneLong.Dispose();
        Means.Dispose();
        BestMean.Dispose();
        Statistics.Dispose();
    }
}
