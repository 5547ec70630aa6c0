using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>Runs one policy on every episode of an environment, one tensor op per step across all episodes.</summary>
public static class BanditRollout
{
    /// <summary>
    /// Resets <paramref name="env"/> and runs <paramref name="policy"/> for <paramref name="horizon"/> pulls.
    /// With <paramref name="trackAgreement"/>, UCB1 labels every state the policy visits (its counts and sums) and the
    /// trace records whether the policy's arm is one of UCB1's best (ties count as agreement).
    /// </summary>
    public static RolloutTrace Run(BanditEnvironment env, IBanditPolicy policy, int horizon, long policySeed, bool trackAgreement,
        Action<int>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(policy);
        if (horizon < 1 || horizon > env.Horizon)
            throw new ArgumentException($"The rollout horizon must lie in 1..{env.Horizon} (got {horizon}).", nameof(horizon));
        env.Reset();
        policy.Reset(env.Batch, env.Spec.Arms, env.Device, policySeed);
        var regret = empty(horizon, env.Batch, dtype: float32, device: env.Device).DetachFromDisposeScope();       // (T, B)
        var agreement = trackAgreement ? empty(horizon, env.Batch, dtype: float32, device: env.Device).DetachFromDisposeScope() : null;
        try
        {
            for (int t = 0; t < horizon; t++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var actions = policy.Act(t);                                                        // (B,)
                if (agreement is not null)
                {
                    var best = Ucb1Policy.BestArms(env.Statistics.Counts, env.Statistics.Sums, t);   // (B, K)
                    agreement[t].copy_(best.gather(1, actions.unsqueeze(1)).squeeze(1));
                }
                regret[t].copy_(env.Regret(actions));
                var rewards = env.Pull(actions);                                                    // (B,)
                policy.Observe(actions, rewards);
                onStep?.Invoke(t + 1);
            }
        }
        catch
        {
            regret.Dispose();
            agreement?.Dispose();
            throw;
        }
        return new RolloutTrace(policy.Name, regret, agreement);
    }
}
