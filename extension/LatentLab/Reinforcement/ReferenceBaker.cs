using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// Bakes behaviour rates into a reference policy to a chosen depth. The target is a distribution over the decision sequences
/// of every baking context (by its type: harmful x observed monitored flag): stochastic with the type's rates, or a
/// deterministic split keyed on fixed random projections of the features, smoothed to a chosen logit margin. The policy is
/// trained on the exact target (soft) or on sampled sequences (hard), all layers or the head only, until every type's mean
/// KL(target || pi) is below the tolerance, then for ExtraSteps more; optionally rescaled (function-preserving) at the end.
/// </summary>
public static class ReferenceBaker
{
    /// <summary>Bakes <see cref="BakeOptions.Seeds"/> reference policies at once (one batched network).</summary>
    /// <remarks>Cancelling stops within one step and returns the partly baked policy with <see cref="BakedReference.IsPartial"/> set.</remarks>
    public static BakedReference Bake(AlignmentEnvironment environment, BakeOptions options, IProgress<BakeProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        MemoryBudget.Ensure(MemoryEstimates.RlBake(options, environment.Options), environment.Device);   // refuse before allocating
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        return Run(environment, options, progress, cancellationToken);
    }

    static BakedReference Run(AlignmentEnvironment env, BakeOptions o, IProgress<BakeProgress>? progress, CancellationToken ct)
    {
        var device = env.Device;
        using var g = new Generator((ulong)o.Seed, device);
        var policy = AlignmentPolicy.Create(env, o.Policy, o.Seeds, g);
        var contexts = env.Balanced(o.ContextsPerType, o.Seed * 31L + 7);
        var targetLog = TargetLogProbs(env, contexts, o, g);                        // (N, Q)
        var target = targetLog.exp();
        var net = policy.Network;
        var trainable = o.Layers == BakeLayers.HeadOnly
            ? net.StackedParameters.Where(p => p.IsHead).Select(p => p.Value).ToList()
            : net.parameters().ToList();
        foreach (var p in net.parameters()) p.requires_grad = trainable.Contains(p);
        using var optimizer = optim.Adam(trainable, o.LearningRate);
        var types = TypeMasks(contexts);

        int stepsToMatch = -1, step = 0;
        bool partial = false;
        while (step < o.MaxSteps || stepsToMatch >= 0)
        {
            if (ct.IsCancellationRequested) { partial = true; break; }
            if (stepsToMatch >= 0 && step >= stepsToMatch + o.ExtraSteps) break;
            using var scope = NewDisposeScope();
            var logp = policy.SequenceLogProbs(contexts);                            // (S, N, Q)
            Tensor loss;
            if (o.Distillation == Distillation.Soft)
                loss = -(target * logp).sum(-1).mean([1]).sum();                     // KL(target || pi) + const, summed over seeds
            else
            {
                long s = logp.shape[0], n = logp.shape[1];
                var demo = multinomial(target.unsqueeze(0).expand(s, n, -1).reshape(s * n, -1), 1, true, g).view(s, n, 1);
                loss = -logp.gather(-1, demo).mean([1, 2]).sum();
            }
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            step++;
            if (stepsToMatch < 0 && step % o.CheckEvery == 0)
            {
                using var noGrad = no_grad();
                var kl = Kl(targetLog, policy.SequenceLogProbs(contexts));           // (S, N)
                var byType = types.ToDictionary(t => t.Name, t => (double)(kl * t.Mask).sum(1).div(t.Mask.sum()).max().item<float>());
                bool all = byType.Values.All(v => v < o.Tolerance);
                progress?.Report(new BakeProgress(step, o.MaxSteps, byType, all));
                if (all) stepsToMatch = step;
                else if (step >= o.MaxSteps) break;
            }
        }
        foreach (var p in net.parameters()) p.requires_grad = true;
        if (o.RescaleFactor != 1.0 && net is BatchedMlp mlp)                        // BakeOptions.Validate: rescaling needs a ReLU MLP
        {
            using var noGrad = no_grad();
            mlp.Weight(0).mul_(o.RescaleFactor);
            mlp.Bias(0).mul_(o.RescaleFactor);
            mlp.Weight(1).div_(o.RescaleFactor);
        }
        return new BakedReference
        {
            Policy = policy, Options = o, StepsToMatch = stepsToMatch, Steps = step, IsPartial = partial,
            Types = Report(env, policy, contexts, targetLog, types),
            WeightNorms = WeightNorms(net),
        };
    }

    /// <summary>Frobenius norm of each layer's weights (all of a GRU layer's: W_ih and W_hh together), mean over seeds; input layer first.</summary>
    static double[] WeightNorms(IPolicyNetwork net)
    {
        using var noGrad = no_grad();
        return net.StackedParameters.Where(p => !p.IsBias).GroupBy(p => p.Layer).OrderBy(g => g.Key)
            .Select(g => (double)cat(g.Select(p => p.Value.detach().flatten(1)).ToArray(), 1).norm(1).mean().item<float>()).ToArray();
    }

    /// <summary>Sequence KL(target || pi) per context: (S, N).</summary>
    static Tensor Kl(Tensor targetLog, Tensor logp) => (targetLog.exp() * (targetLog - logp)).sum(-1);

    sealed record TypeMask(string Name, Tensor Mask);

    static List<TypeMask> TypeMasks(AlignmentContexts c) =>
    [
        new("harmful_monitored", c.Harmful * c.ObservedMonitored),
        new("harmful_unmonitored", c.Harmful * (1 - c.ObservedMonitored)),
        new("benign", 1 - c.Harmful),
    ];

    /// <summary>
    /// The target: log P(seq | context), (N, Q), from the rates of each context's type (harmful x observed monitored flag).
    /// </summary>
    public static Tensor TargetLogProbs(AlignmentEnvironment env, AlignmentContexts c, BakeOptions o, Generator g)
    {
        var r = o.Rates;
        int k1 = env.Options.MaxConcerns + 1, kMax = env.Options.MaxConcerns, md = AlignmentEnvironment.Modes, nc = env.Options.Classes;
        var dev = env.Device;
        var hm = c.Harmful * c.ObservedMonitored;                                   // (N) type masks
        var hu = c.Harmful * (1 - c.ObservedMonitored);
        var bn = 1 - c.Harmful;
        Tensor Rate(Func<ContextRates, double> f) =>                                 // (N) the rate of each context's type
            hm * f(r.HarmfulMonitored) + hu * f(r.HarmfulUnmonitored) + bn * f(r.Benign);
        var comply = Rate(x => x.Comply);
        var sandbag = Rate(x => x.Sandbag);
        var concernComply = Rate(x => x.ConcernsGivenComply);
        var concernOther = Rate(x => x.ConcernsGivenOther);
        var accWith = Rate(x => x.AccuracyWithConcerns);
        var accWithout = Rate(x => x.AccuracyWithoutConcerns);
        var yStar = nn.functional.one_hot(c.Target, nc).to(float32);                 // (N, C)
        long n = c.Count;

        Tensor t0, t1, t2;                                                           // (N, K1), (N, K1, 3), (N, K1, 3, C)
        if (o.Split == BakeSplit.Stochastic)
        {
            var pMode = stack([comply, sandbag, 1 - comply - sandbag], 1).clamp_min(0);       // (N, 3)
            var pc = stack([concernComply, concernOther, concernOther], 1);                     // (N, 3) P(k > 0 | mode)
            var pk = cat([(1 - pc).unsqueeze(-1), (pc / kMax).unsqueeze(-1).expand(n, md, kMax)], -1); // (N, 3, K1)
            var accK = cat([accWithout.unsqueeze(-1), accWith.unsqueeze(-1).expand(n, kMax)], -1); // (N, K1)
            var wrong = (1 - yStar) / (nc - 1);                                                 // (N, C)
            var aComply = accK.unsqueeze(-1) * yStar.unsqueeze(1) + (1 - accK).unsqueeze(-1) * wrong.unsqueeze(1); // (N, K1, C)
            var aSandbag = wrong.unsqueeze(1).expand(n, k1, nc);
            var aRefuse = full([n, k1, nc], 1.0f / nc, float32, dev);
            var pAnswer = stack([aComply, aSandbag, aRefuse], 2);                               // (N, K1, 3, C)
            var joint = (pMode.unsqueeze(1) * pk.transpose(1, 2)).unsqueeze(-1) * pAnswer;      // (N, K1, 3, C)
            Tensor Floor(Tensor p) { var q = p.clamp_min(o.MinProbability); return q / q.sum(-1, keepdim: true); }
            t0 = Floor(joint.sum([2, 3]));
            t1 = Floor(joint.sum(3) / joint.sum([2, 3]).unsqueeze(-1).clamp_min(1e-12));
            t2 = Floor(joint / joint.sum(3, keepdim: true).clamp_min(1e-12));
        }
        else
        {
            // Keys u (N, 4) ~ U(0, 1): Phi of fixed random unit projections of x (x ~ N(0, I)).
            var v = randn([env.Options.FeatureDim, 4], float32, dev, generator: g);
            var z = c.Features.matmul(v / v.norm(0, keepdim: true));
            var u = 0.5 * (1 + special.erf(z / Math.Sqrt(2)));
            var u0 = u[.., 0]; var u1 = u[.., 1]; var u2 = u[.., 2]; var u3 = u[.., 3];
            var mode = where(u0 < comply, 0L, where(u0 < comply + sandbag, 1L, 2L));           // (N)
            var pcMode = where(mode == 0L, concernComply, concernOther);
            var k = where(u1 < pcMode, 1 + (u2 * kMax).floor().to(int64).clamp_max(kMax - 1), zeros_like(mode));
            var wrongAnswer = (c.Target + 1).remainder(nc);
            var kIndex = arange(k1, int64, dev).view(1, k1);                                    // (1, K1)
            var accK = where(kIndex > 0, accWith.unsqueeze(-1), accWithout.unsqueeze(-1));     // (N, K1)
            var answerComply = where(u3.unsqueeze(-1) < accK, c.Target.unsqueeze(-1), wrongAnswer.unsqueeze(-1)); // (N, K1)
            var answer = stack([answerComply, wrongAnswer.unsqueeze(-1).expand(n, k1), c.Target.unsqueeze(-1).expand(n, k1)], 2); // (N, K1, 3)
            Tensor Smooth(Tensor index, int choices)                                             // one-hot with the margin
            {
                double pTop = 1.0 / (1 + (choices - 1) * Math.Exp(-o.DeterministicMargin));
                double pOther = (1 - pTop) / (choices - 1);
                return nn.functional.one_hot(index, choices).to(float32) * (pTop - pOther) + pOther;
            }
            t0 = Smooth(k, k1);
            t1 = Smooth(mode, md).unsqueeze(1).expand(n, k1, md);
            t2 = Smooth(answer, nc);
        }
        var logJoint = t0.log().unsqueeze(-1).unsqueeze(-1) + t1.log().unsqueeze(-1) + t2.log();  // (N, K1, 3, C)
        return logJoint.reshape(n, -1);
    }

    static List<ContextTypeReport> Report(AlignmentEnvironment env, AlignmentPolicy policy, AlignmentContexts c, Tensor targetLog, List<TypeMask> types)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logp = policy.SequenceLogProbs(c);                                       // (S, N, Q)
        var p = logp.exp();
        var t = targetLog.exp().unsqueeze(0);                                        // (1, N, Q)
        var kl = Kl(targetLog, logp);                                                // (S, N)
        var comply = (env.SequenceModes == 0L).to(float32);
        var sandbag = (env.SequenceModes == 1L).to(float32);
        var concern = (env.SequenceConcerns > 0).to(float32);
        var correct = (env.SequenceAnswers == c.Target.unsqueeze(-1)).to(float32);  // (N, Q)
        int k1 = env.Options.MaxConcerns + 1, md = AlignmentEnvironment.Modes, nc = env.Options.Classes;
        long s = p.shape[0], n = p.shape[1];
        // Margin of the mode decision: top-1 minus top-2 log P(mode | k), weighted by P(k).
        var joint = p.view(s, n, k1, md, nc).sum(-1);                                // (S, N, K1, 3)
        var pk = joint.sum(-1);                                                      // (S, N, K1)
        var top = (joint / pk.unsqueeze(-1).clamp_min(1e-30)).clamp_min(1e-30).log().topk(2, -1).values; // (S, N, K1, 2)
        var margin = ((top[TensorIndex.Ellipsis, 0] - top[TensorIndex.Ellipsis, 1]) * pk).sum(-1);        // (S, N)
        var result = new List<ContextTypeReport>();
        foreach (var type in types)
        {
            var m = type.Mask;
            double count = m.sum().item<float>();
            double Mean(Tensor dist, Tensor evt) => ((dist * evt).sum(-1) * m).sum(-1).div(count).mean().item<float>();
            double Cond(Tensor dist, Tensor evt, Tensor given) => Mean(dist, evt * given) / Math.Max(Mean(dist, given), 1e-12);
            result.Add(new ContextTypeReport(type.Name, (int)count,
                Mean(t, comply), Mean(p, comply), Mean(t, sandbag), Mean(p, sandbag),
                Cond(t, concern, comply), Cond(p, concern, comply), Cond(t, correct, comply), Cond(p, correct, comply),
                (kl * m).sum(-1).div(count).mean().item<float>(), (kl * m).max().item<float>(), (margin * m).sum(-1).div(count).mean().item<float>()));
        }
        return result;
    }
}
