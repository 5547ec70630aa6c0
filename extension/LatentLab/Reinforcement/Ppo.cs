using System.Diagnostics;
using LatentLab.Torch;
using TorchSharp;
using TorchSharp.Modules;
using LatentLab.Reinforcement.Simd;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// PPO with a KL penalty to a reference, on the alignment environment, S seeds as one batched computation (CleanRL's ppo.py
/// structure: rollout, GAE, clipped policy loss + value loss - entropy bonus, epochs x minibatches, gradient clipping).
/// Per-token reward: r_t = -beta * (log pi(a_t) - log pi_ref(a_t)), plus the grader's reward at the last decision, so the
/// objective is E[r] - beta * KL(pi || pi_ref) over sequences and its optimum is <see cref="KlOptimum"/>.
/// Only truly monitored contexts are trained on; metrics are exact on a balanced evaluation set (all four context types).
/// </summary>
public static class Ppo
{
    const double AdamEps = 1e-5;                                                     // CleanRL's

    /// <param name="reference">The reference policy (1 seed, replicated, or S seeds); the trained policy starts as a copy of it.</param>
    /// <param name="trainingContexts">Optional fixed (N) training set (its monitored part is used); null draws fresh contexts.</param>
    /// <param name="phases">Optional: filled with the CPU time of each phase of the run (the numbers do not depend on it).</param>
    public static RlRun Train(AlignmentPolicy reference, PpoOptions options, AlignmentContexts? trainingContexts = null,
        IProgress<RlProgress>? progress = null, CancellationToken cancellationToken = default, RlPhaseTimes? phases = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.CheckReference(reference);
        // Refuse before allocating what the machine cannot hold (seeds x episodes x decisions, the exact evaluation).
        MemoryBudget.Ensure(MemoryEstimates.RlTraining(options, reference.Environment.Options, reference.Options, reference.Seeds), reference.Environment.Device);
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        using var pages = NativeAllocator.KeepPagesMapped();   // for this run only: the minibatch tensors are freed and re-allocated every step
        using var kernel = Simd.StackedMlpKernel.ForInference(); // MLP forward passes without gradients (rollouts, values, evaluations) by hand
        return Run(reference, options, trainingContexts, progress, cancellationToken, phases);
    }

    static RlRun Run(AlignmentPolicy reference, PpoOptions o, AlignmentContexts? pool, IProgress<RlProgress>? progress, CancellationToken ct,
        RlPhaseTimes? phases)
    {
        var env = reference.Environment;
        var device = env.Device;
        int S = o.Seeds, B = o.Episodes, T = AlignmentEnvironment.Decisions;
        var monitoredPool = pool is null ? null : RlEvaluation.MonitoredPart(pool);

        // Networks: the policy starts at the reference; the critic is fresh (output gain 1, as CleanRL's), of the policy's architecture.
        using var generator = new Generator((ulong)o.Seed, device);
        var policy = o.StartingPolicy(reference);
        var critic = policy.CreateValueNetwork(o.ValueWidth, generator);
        var parameters = policy.Network.parameters().Concat(critic.parameters()).ToList();
        using var optimizer = optim.Adam(parameters, o.LearningRate, eps: AdamEps);   // the hand-written path steps as it, reading its learning rate
        var beta = full([S], o.KlCoefficient, float32, device);                      // (S) per-seed KL coefficient
        var evaluation = env.Balanced(o.EvalPerType, o.EvalSeed);
        // The minibatch's forward and backward pass by hand when the networks are MLPs on the CPU (Simd/PpoMinibatch).
        using var fused = PpoMinibatch.TryCreate(policy, critic, B, B / o.Minibatches, o);

        var rows = new List<RlMetricRow>();
        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, double> initial;
        using (RlPhaseTimes.Time(phases, "evaluation")) initial = RlEvaluation.Record(policy, reference, evaluation, 0, rows);
        progress?.Report(new RlProgress(0, o.Iterations, initial));
        int step = 0;
        bool partial = false;
        for (step = 0; step < o.Iterations; )
        {
            if (ct.IsCancellationRequested) { partial = true; break; }
            using var scope = NewDisposeScope();
            var betaBefore = beta.clone();                                          // restored with the networks when the iteration is dropped
            if (o.AnnealLearningRate)
                foreach (var group in optimizer.ParamGroups) group.LearningRate = o.LearningRate * (1.0 - (double)step / o.Iterations);

            // 1. Rollout: B episodes per seed, no gradients.
            var rolloutTime = RlPhaseTimes.Time(phases, "contexts");
            var contexts = RlEvaluation.TrainingContexts(env, monitoredPool, S, B, generator);
            rolloutTime.Dispose();
            var roll = AlignmentRollout.Sample(policy, reference.Network, contexts, generator, phases);
            Tensor values, advantages, returns;
            using (RlPhaseTimes.Time(phases, "advantages"))
            using (no_grad())
            {
                values = AlignmentPolicy.Values(critic, roll.Inputs);              // (S, B, T)
                var kl = roll.LogProbs - roll.ReferenceLogProbs;                      // (S, B, T) per-token log-ratio
                var rewards = -beta.view(S, 1, 1) * kl;                                // (S, B, T)
                rewards[.., .., T - 1] += roll.Reward;
                // 2. GAE over the three decisions (the episode ends after the answer).
                advantages = zeros_like(values);
                var lastGae = zeros([S, B], float32, device);
                for (int t = T - 1; t >= 0; t--)
                {
                    var nextValue = t == T - 1 ? zeros([S, B], float32, device) : values[.., .., t + 1];
                    var delta = rewards[.., .., t] + o.Gamma * nextValue - values[.., .., t];
                    lastGae = delta + o.Gamma * o.GaeLambda * lastGae;
                    advantages[.., .., t] = lastGae;
                }
                returns = advantages + values;
                // Ziegler's adaptive controller on the sampled sequence KL of each seed.
                if (o.KlTarget > 0)
                {
                    var seqKl = kl.sum(-1).mean([1]);                                   // (S)
                    var err = (seqKl / o.KlTarget - 1).clamp(-0.2, 0.2);
                    beta.mul_(1 + err * (B / o.KlHorizon));
                }
            }

            // 3. Update: epochs x minibatches over the episodes (the same permutation for every seed). An interrupt between
            // minibatches drops the whole iteration: the networks go back to their state before it (a copy, small: S MLPs),
            // so the result is the policy after the last whole iteration, reached within one minibatch of the interrupt.
            int mbSize = B / o.Minibatches;
            var rollInputs = roll.Inputs.contiguous();
            var rollActions = roll.Actions.contiguous();
            var rollLogProbs = roll.LogProbs.contiguous();
            advantages = advantages.contiguous();
            returns = returns.contiguous();
            fused?.Load(rollInputs, rollActions, rollLogProbs, advantages, returns);
            var before = parameters.Select(p => p.detach().clone()).ToArray();
            bool dropped = false;
            for (int epoch = 0; epoch < o.Epochs && !dropped; epoch++)
            {
                var perm = randperm(B, generator: generator, dtype: int64, device: device);
                fused?.Permutation(perm);
                for (int mb = 0; mb < o.Minibatches; mb++)
                {
                    if (ct.IsCancellationRequested) { dropped = true; break; }
                    using var mbScope = NewDisposeScope();
                    if (fused is not null)
                    {
                        // The same loss's gradient by hand (Simd/PpoMinibatch), written into every .grad.
                        using (RlPhaseTimes.Time(phases, "fused fwd+bwd")) fused.Gradients(mb * mbSize, mbSize);
                    }
                    else
                    {
                        var idx = perm[(mb * mbSize)..((mb + 1) * mbSize)];
                        var loss = MinibatchLoss(policy, critic, roll, advantages, returns, idx, o, phases);
                        using (RlPhaseTimes.Time(phases, "zero_grad")) optimizer.zero_grad();
                        using (RlPhaseTimes.Time(phases, "backward")) loss.backward();
                    }
                    if (fused is not null)
                    {
                        // The same clipping and Adam step by hand, in place on the parameters' memory.
                        using (RlPhaseTimes.Time(phases, "clip+adam")) fused.ClipAndStep(o.MaxGradNorm, optimizer.ParamGroups.First().LearningRate, AdamEps);
                        continue;
                    }
                    using (RlPhaseTimes.Time(phases, "clip")) BatchedMlp.ClipGradNormPerSeed(parameters, o.MaxGradNorm);
                    using (RlPhaseTimes.Time(phases, "optimizer")) optimizer.step();
                }
            }
            if (dropped)
            {
                using (no_grad())
                {
                    foreach (var (p, saved) in parameters.Zip(before)) p.copy_(saved);
                    beta.copy_(betaBefore);
                }
                partial = true;
                break;
            }
            step++;
            if (step % o.EvalEvery == 0 || step == o.Iterations)
            {
                IReadOnlyDictionary<string, double> means;
                using (RlPhaseTimes.Time(phases, "evaluation")) means = RlEvaluation.Record(policy, reference, evaluation, step, rows);
                progress?.Report(new RlProgress(step, o.Iterations, means));
            }
        }
        if (partial && (rows.Count == 0 || rows[^1].Step != step))
            RlEvaluation.Record(policy, reference, evaluation, step, rows);
        return new RlRun
        {
            Algorithm = "ppo", Policy = policy, Reference = reference, Rows = rows, StepsCompleted = step, IsPartial = partial,
            FinalKlCoefficient = beta.to(float64).cpu().data<double>().ToArray(), Seconds = clock.Elapsed.TotalSeconds,
            EpisodesPerSeed = (long)step * B,
            Optimum = o.KlTarget > 0 ? null : RlEvaluation.OptimumMetrics(reference, evaluation, o.KlCoefficient),
            OptimumBeta = o.KlTarget > 0 || !(o.KlCoefficient > 0) ? double.NaN : o.KlCoefficient,
        };
    }

    /// <summary>
    /// The torch path's loss of one minibatch (episodes <paramref name="idx"/> of the rollout), summed over seeds: clipped
    /// surrogate on advantages normalised per seed, minus the entropy bonus, plus the weighted value loss. Its gradient is what
    /// <see cref="PpoMinibatch"/> computes by hand.
    /// </summary>
    internal static Tensor MinibatchLoss(AlignmentPolicy policy, IPolicyNetwork critic, AlignmentRollout roll, Tensor advantages, Tensor returns,
        Tensor idx, PpoOptions o, RlPhaseTimes? phases = null)
    {
        var forwardTime = RlPhaseTimes.Time(phases, "minibatch");
        var inputs = roll.Inputs.index_select(1, idx);                     // (S, b, T, in)
        var actions = roll.Actions.index_select(1, idx);                   // (S, b, T)
        var oldLogp = roll.LogProbs.index_select(1, idx);
        var adv = advantages.index_select(1, idx);                         // (S, b, T)
        var ret = returns.index_select(1, idx);
        if (o.NormalizeAdvantages)
        {
            var mean = adv.mean([1, 2], keepdim: true);
            var std = adv.std([1, 2], keepdim: true);
            adv = (adv - mean) / (std + 1e-8);
        }
        forwardTime.Dispose();
        forwardTime = RlPhaseTimes.Time(phases, "policy fwd");
        var allLogp = policy.LogProbsAllDecisions(policy.Network, inputs);  // (S, b, T, A)
        var newLogp = allLogp.gather(-1, actions.unsqueeze(-1)).squeeze(-1); // (S, b, T)
        var ratio = (newLogp - oldLogp).exp();
        var pgLoss = max(-adv * ratio, -adv * ratio.clamp(1 - o.Clip, 1 + o.Clip)).mean([1, 2]); // (S)
        forwardTime.Dispose();
        forwardTime = RlPhaseTimes.Time(phases, "critic fwd");
        var newValue = AlignmentPolicy.Values(critic, inputs);                 // (S, b, T)
        var vLoss = 0.5 * (newValue - ret).pow(2).mean([1, 2]);             // (S)
        // Summed over seeds: each seed's parameters get only their own seed's gradient.
        var objective = pgLoss;
        if (o.EntropyCoefficient != 0)                                         // at 0 the term adds exact zeros to the loss and gradients
            objective = objective - o.EntropyCoefficient * -(allLogp.exp() * allLogp).sum(-1).mean([1, 2]); // entropy (S)
        var loss = (objective + o.ValueCoefficient * vLoss).sum();
        forwardTime.Dispose();
        return loss;
    }
}
