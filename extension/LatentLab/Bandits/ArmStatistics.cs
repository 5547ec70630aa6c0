using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>Per-episode pull counts and reward sums of every arm: the sufficient statistics of the classic policies.</summary>
public sealed class ArmStatistics : IDisposable
{
    /// <summary>(B, K) float32 pull counts.</summary>
    public Tensor Counts { get; }

    /// <summary>(B, K) float32 reward sums.</summary>
    public Tensor Sums { get; }

    public ArmStatistics(long batch, long arms, Device device)
    {
        Counts = zeros(batch, arms, dtype: float32, device: device).DetachFromDisposeScope();
        Sums = zeros(batch, arms, dtype: float32, device: device).DetachFromDisposeScope();
        _ones = ones(batch, 1, dtype: float32, device: device).DetachFromDisposeScope();
    }

    readonly Tensor _ones;   // (B, 1) the count added per pull, allocated once

    /// <summary>Adds one pull per episode: <paramref name="actions"/> (B,) int64, <paramref name="rewards"/> (B,) float32.</summary>
    public void Update(Tensor actions, Tensor rewards)
    {
        using var scope = NewDisposeScope();
        if (actions.shape[0] != _ones.shape[0])
            throw new ArgumentException($"Expected one action per episode ({_ones.shape[0]}), got {actions.shape[0]}.", nameof(actions));
        UpdateColumns(actions.unsqueeze(1), rewards.unsqueeze(1));
    }

    /// <summary>As <see cref="Update"/> from the column forms: arm indices (B, 1) int64 and rewards (B, 1) float32.</summary>
    internal void UpdateColumns(Tensor arms, Tensor rewards)
    {
        Counts.scatter_add_(1, arms, _ones);
        Sums.scatter_add_(1, arms, rewards);
    }

    /// <summary>(B, K) empirical means; 0 for arms never pulled.</summary>
    public Tensor Means()
    {
        using var scope = NewDisposeScope();
        return (Sums / Counts.clamp_min(1f)).MoveToOuterDisposeScope();
    }

    public void Reset()
    {
        Counts.zero_();
        Sums.zero_();
    }

    public void Dispose()
    {
        Counts.Dispose();
        Sums.Dispose();
        _ones.Dispose();
    }
}
