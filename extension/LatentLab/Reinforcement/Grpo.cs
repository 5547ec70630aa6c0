using System.Diagnostics;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// GRPO (Shao et al. 2024) on the alignment environment, S seeds as one batched computation. Per iteration: P contexts per
/// seed, G episodes each; advantage A_i = (R_i - mean_group R) (/ std_group R), the same for the three decisions; no critic.
/// Loss per token: -min(ratio A, clip(ratio) A) + beta * k3, with k3 = pi_ref/pi - log(pi_ref/pi) - 1 (or the KL in R).
/// Only truly monitored contexts are trained on; metrics are exact on a balanced evaluation set.
/// </summary>
public static class Grpo
{
    const double AdamEps = 1e-8;                                                     // torch's default

    /// <param name="reference">The reference policy (1 seed, replicated, or S seeds); the trained policy starts as a copy of it.</param>
    /// <param name="trainingContexts">Optional fixed (N) training set (its monitored part is used); null draws fresh contexts.</param>
    /// <param name="phases">Optional: filled with the CPU time of each phase of the run (the numbers do not depend on it).</param>
    public static RlRun Train(AlignmentPolicy reference, GrpoOptions options, AlignmentContexts? trainingContexts = null,
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

    static RlRun Run(AlignmentPolicy reference, GrpoOptions o, AlignmentContexts? pool, IProgress<RlProgress>? progress, CancellationToken ct,
        RlPhaseTimes? phases)
    {
        var env = reference.Environment;
        var device = env.Device;
        int S = o.Seeds, P = o.Prompts, G = o.GroupSize, B = P * G;
        var monitoredPool = pool is null ? null : RlEvaluation.MonitoredPart(pool);

        using var generator = new Generator((ulong)o.Seed, device);
        var policy = o.StartingPolicy(reference);
        var parameters = policy.Network.parameters().ToList();
        using var optimizer = optim.Adam(parameters, o.LearningRate, eps: AdamEps);   // the hand-written path steps as it, reading its learning rate
        var evaluation = env.Balanced(o.EvalPerType, o.EvalSeed);
        using var fused = Simd.GrpoUpdate.TryCreate(policy, B, o);                 // the MLP's update by hand on the CPU

        var rows = new List<RlMetricRow>();
        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, double> initial;
        using (RlPhaseTimes.Time(phases, "evaluation")) initial = RlEvaluation.Record(policy, reference, evaluation, 0, rows);
        progress?.Report(new RlProgress(0, o.Iterations, initial));
        int step;
        bool partial = false;
        for (step = 0; step < o.Iterations; )
        {
            if (ct.IsCancellationRequested) { partial = true; break; }
            using var scope = NewDisposeScope();
            if (o.AnnealLearningRate)
                foreach (var group in optimizer.ParamGroups) group.LearningRate = o.LearningRate * (1.0 - (double)step / o.Iterations);

            // 1. Rollout: P contexts per seed, each repeated G times -> (S, P * G) episodes.
            var rolloutTime = RlPhaseTimes.Time(phases, "contexts");
            var prompts = RlEvaluation.TrainingContexts(env, monitoredPool, S, P, generator);
            var contexts = new AlignmentContexts(
                prompts.Monitored.repeat_interleave(G, 1), prompts.ObservedMonitored.repeat_interleave(G, 1),
                prompts.Harmful.repeat_interleave(G, 1), prompts.Features.repeat_interleave(G, 1), prompts.Target.repeat_interleave(G, 1));
            rolloutTime.Dispose();
            var roll = AlignmentRollout.Sample(policy, reference.Network, contexts, generator, phases);

            // 2. Group-normalised advantages (S, P * G), one per episode, shared by its three decisions.
            Tensor advantage;
            using (RlPhaseTimes.Time(phases, "advantages"))
            using (no_grad())
            {
                var r = roll.Reward;                                                     // (S, B)
                if (o.KlPlacement == GrpoKlPlacement.Reward)
                    r = r - o.KlCoefficient * (roll.LogProbs - roll.ReferenceLogProbs).sum(-1);
                var grouped = r.view(S, P, G);
                var centred = grouped - grouped.mean([2], keepdim: true);
                if (o.ScaleByStd) centred = centred / (grouped.std(2, keepdim: true) + 1e-4);
                advantage = centred.view(S, B, 1);                                        // (S, B, 1)
            }

            // 3. Update: mu gradient steps on the whole batch.
            var inputs = roll.Inputs.contiguous();
            var actions = roll.Actions.contiguous();
            var oldLogp = roll.LogProbs.contiguous();
            var refLogp = roll.ReferenceLogProbs.contiguous();
            advantage = advantage.contiguous();
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                using var stepScope = NewDisposeScope();
                if (fused is not null)
                {
                    // The same loss's gradient, clipping and Adam step by hand (Simd/GrpoUpdate).
                    using (RlPhaseTimes.Time(phases, "fused fwd+bwd")) fused.Gradients(inputs, actions, oldLogp, refLogp, advantage);
                    using (RlPhaseTimes.Time(phases, "clip+adam")) fused.ClipAndStep(o.MaxGradNorm, optimizer.ParamGroups.First().LearningRate, AdamEps);
                    continue;
                }
                var forwardTime = RlPhaseTimes.Time(phases, "forward");
                var loss = Loss(policy, roll, advantage, o);
                forwardTime.Dispose();
                using (RlPhaseTimes.Time(phases, "zero_grad")) optimizer.zero_grad();
                using (RlPhaseTimes.Time(phases, "backward")) loss.backward();
                using (RlPhaseTimes.Time(phases, "clip")) BatchedMlp.ClipGradNormPerSeed(parameters, o.MaxGradNorm);
                using (RlPhaseTimes.Time(phases, "optimizer")) optimizer.step();
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
            Algorithm = "grpo", Policy = policy, Reference = reference, Rows = rows, StepsCompleted = step, IsPartial = partial,
            FinalKlCoefficient = Enumerable.Repeat(o.KlCoefficient, S).ToArray(), Seconds = clock.Elapsed.TotalSeconds,
            EpisodesPerSeed = (long)step * B,
            Optimum = RlEvaluation.OptimumMetrics(reference, evaluation, o.KlCoefficient),
            OptimumBeta = o.KlCoefficient > 0 ? o.KlCoefficient : double.NaN,
        };
    }

    /// <summary>
    /// The torch path's loss of one gradient step, summed over seeds: per token -min(ratio A, clip(ratio) A), plus beta k3 when
    /// the KL is in the loss; mean over the batch's decisions. Its gradient is what <see cref="Simd.GrpoUpdate"/> computes by hand.
    /// </summary>
    internal static Tensor Loss(AlignmentPolicy policy, AlignmentRollout roll, Tensor advantage, GrpoOptions o)
    {
        var newLogp = AlignmentRollout.StepLogProbs(policy, policy.Network, roll.Inputs, roll.Actions); // (S, B, 3)
        var ratio = (newLogp - roll.LogProbs).exp();
        var surrogate = min(ratio * advantage, ratio.clamp(1 - o.Clip, 1 + o.Clip) * advantage);        // (S, B, 3)
        var perToken = -surrogate;
        if (o.KlPlacement == GrpoKlPlacement.LossK3)
        {
            var logRatioRef = roll.ReferenceLogProbs - newLogp;                   // log(pi_ref / pi)
            perToken = perToken + o.KlCoefficient * (logRatioRef.exp() - logRatioRef - 1);
        }
        return perToken.mean([1, 2]).sum();                                       // summed over seeds
    }
}
