using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>Runs one policy on every episode of an environment, one tensor op per step across all episodes (or the policy's own
/// whole-rollout pass, <see cref="IWholeRolloutPolicy"/>, which gives the same numbers).</summary>
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
        if (policy is IWholeRolloutPolicy whole && whole.TryPlay(env, horizon, trackAgreement, onStep, cancellationToken) is { } played)
            return played;                                                                          // the same numbers in one pass of its own
        // Actions are recorded and turned into regret once after the loop (one gather instead of a few ops per step).
        var taken = new List<Tensor>(horizon);                                                      // T x (B,)
        var agreement = trackAgreement ? empty(horizon, env.Batch, dtype: float32, device: env.Device).DetachFromDisposeScope() : null;
        Tensor? regret = null;
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
                taken.Add(actions.DetachFromDisposeScope());
                var rewards = env.Pull(actions);                                                    // (B,)
                policy.Observe(actions, rewards);
                onStep?.Invoke(t + 1);
            }
            using (NewDisposeScope())
                regret = env.Regret(stack(taken, 1)).t().contiguous().DetachFromDisposeScope();     // (T, B)
        }
        catch
        {
            regret?.Dispose();
            agreement?.Dispose();
            throw;
        }
        finally
        {
            foreach (var a in taken) a.Dispose();
        }
        return new RolloutTrace(policy.Name, regret, agreement);
    }
}
