using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>What one policy did on B episodes: per-step pseudo-regret and agreement with UCB1, on the run's device.</summary>
public sealed class RolloutTrace : IDisposable
{
    public RolloutTrace(string policy, Tensor regret, Tensor? agreement)
    {
        Policy = policy;
        Regret = regret;
        Agreement = agreement;
    }

    public string Policy { get; }

    /// <summary>(T, B) float32: regret of the pull at step t+1 (best mean minus chosen mean).</summary>
    public Tensor Regret { get; }

    /// <summary>(T, B) float32: 1 where the chosen arm is one of UCB1's best arms in that state, else 0 (null if not tracked).</summary>
    public Tensor? Agreement { get; }

    public void Dispose()
    {
        Regret.Dispose();
        Agreement?.Dispose();
    }
}
