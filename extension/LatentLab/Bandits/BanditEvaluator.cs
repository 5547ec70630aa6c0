using System.Diagnostics;
using LatentLab.Statistics;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// Runs the candidate policies (if any: a trained student, or any <see cref="IBanditPolicy"/>) and the classic baselines
/// on the same fresh episodes (common random numbers) and summarises regret and agreement with UCB1, each with a 95% CI
/// over episodes, and the first candidate's paired difference to UCB1.
/// </summary>
public static class BanditEvaluator
{
    /// <summary>Offset that separates evaluation bandits from any training stream.</summary>
    const long EvaluationSeedOffset = 1_000_003;

    /// <summary>
    /// An interrupt (<paramref name="cancellationToken"/>) after the first policy returns the policies finished so far,
    /// marked <see cref="BanditEvaluation.IsPartial"/>; before that it throws <see cref="OperationCanceledException"/>.
    /// Evaluates <paramref name="candidates"/> (run first, in order; null or empty: the baselines alone) and
    /// <see cref="BanditEvaluationOptions.Baselines"/>. K defaults to the first candidate's <see cref="CandidatePolicy.Arms"/>
    /// (else 5), the before/after split to its <see cref="CandidatePolicy.TrainHorizon"/> (else 50).
    /// </summary>
    public static BanditEvaluation Evaluate(BanditEvaluationOptions options, IReadOnlyList<CandidatePolicy>? candidates, Device device,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        options.Validate();
        candidates ??= Array.Empty<CandidatePolicy>();
        if (candidates.Any(c => c is null)) throw new ArgumentException("A candidate policy is null; pass only policies to evaluate.", nameof(candidates));
        MemoryBudget.Ensure(MemoryEstimates.BanditEvaluation(options, options.Arms ?? candidates.Select(c => c.Arms).FirstOrDefault(a => a is not null) ?? 5), device);
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        return EvaluateOnCurrentThreads(options, candidates, device, progress, cancellationToken);
    }

    static BanditEvaluation EvaluateOnCurrentThreads(BanditEvaluationOptions options, IReadOnlyList<CandidatePolicy> candidates, Device device,
        IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        using var pages = NativeAllocator.KeepPagesMapped();   // for this run only (see NativeAllocator)
        int arms = options.Arms ?? candidates.Select(c => c.Arms).FirstOrDefault(a => a is not null) ?? 5;
        int trainHorizon = options.TrainHorizon ?? candidates.Select(c => c.TrainHorizon).FirstOrDefault(h => h is not null) ?? 50;
        var spec = new BanditSpec(arms, options.Reward, options.Means, options.NoiseStd);
        spec.Validate();
        var names = options.BaselinesOrDefault.Select(PolicyNames.Normalize).Distinct().ToList();
        var policies = new List<IBanditPolicy>();
        Tensor? candidateCum = null, ucbCum = null;
        try
        {
            foreach (var c in candidates) policies.Add(c.Create() ?? throw new ArgumentException("A candidate's Create returned null; it must return a fresh policy.", nameof(candidates)));
            policies.AddRange(names.Select(n => PolicyNames.Create(n, spec, options.Epsilon)));
            if (policies.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new ArgumentException($"Two policies are named '{twice.Key}'; results are keyed by name: leave that policy out of Baselines " +
                                            "or give the candidate policy a name of its own (IBanditPolicy.Name).", nameof(candidates));

            var clock = Stopwatch.StartNew();
            var curves = new List<PolicyCurve>();
            var summaries = new List<PolicySummary>();
            int horizon = options.Horizon;
            using var env = BanditEnvironment.Create(spec, options.Episodes, horizon, options.Seed + EvaluationSeedOffset, device);
            bool partial = false;
            for (int i = 0; i < policies.Count; i++)
            {
                var policy = policies[i];
                int index = i;
                using var scope = NewDisposeScope();
                RolloutTrace trace;
                try
                {
                    trace = BanditRollout.Run(env, policy, horizon, options.Seed * 31 + 1000 + i, options.Agreement,
                        t => { if (t % 10 == 0 || t == horizon) progress?.Report(new EvaluationProgress(policy.Name, index, policies.Count, t, horizon, clock.Elapsed)); },
                        cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && curves.Count > 0)
                {
                    partial = true;     // keep the policies finished so far; the interrupted one is left out
                    break;
                }
                using var traceScope = trace;
                var cum = trace.Regret.cumsum(0);                                                     // (T, B)
                curves.Add(CurveOf(policy.Name, cum));
                summaries.Add(Summarise(policy.Name, trace, cum, trainHorizon));
                if (i == 0 && candidates.Count > 0) candidateCum = cum.DetachFromDisposeScope();
                if (i >= candidates.Count && policy.Name == PolicyNames.Ucb1) ucbCum = cum.DetachFromDisposeScope();
            }
            PairedDifference? paired = null;
            if (candidateCum is not null && ucbCum is not null)
            {
                using var scope = NewDisposeScope();
                var c = CurveOf(policies[0].Name, candidateCum - ucbCum);
                paired = new PairedDifference(policies[0].Name, PolicyNames.Ucb1, c.Regret, c.Low, c.High);
            }
            return new BanditEvaluation(options, arms, horizon, trainHorizon, options.Episodes, curves, summaries, paired,
                candidates.Count > 0 ? candidates[0].Description : null, clock.Elapsed) { IsPartial = partial };
        }
        finally
        {
            candidateCum?.Dispose();
            ucbCum?.Dispose();
            foreach (var p in policies) p.Dispose();
        }
    }

    /// <summary>(T, B) per-episode values -> per-step mean and 95% CI.</summary>
    static PolicyCurve CurveOf(string name, Tensor values)
    {
        using var scope = NewDisposeScope();
        long n = values.shape[1];
        var v = values.to(float64);
        var mean = v.mean(new long[] { 1 }).cpu().data<double>().ToArray();
        var sd = v.std(1).cpu().data<double>().ToArray();
        double q = MeanCi.TQuantile975(n - 1) / Math.Sqrt(n);
        return new PolicyCurve(name, mean, mean.Select((m, t) => m - q * sd[t]).ToArray(), mean.Select((m, t) => m + q * sd[t]).ToArray());
    }

    static PolicySummary Summarise(string name, RolloutTrace trace, Tensor cum, int h)
    {
        using var scope = NewDisposeScope();
        int t = (int)cum.shape[0];
        MeanCi? atH = h <= t ? MeanCi.FromSamples(cum[h - 1]) : null;
        var atEnd = MeanCi.FromSamples(cum[t - 1]);
        MeanCi? after = h < t ? MeanCi.FromSamples(cum[t - 1] - cum[h - 1]) : null;
        MeanCi? beforeWindow = h <= t ? MeanCi.FromSamples(trace.Regret[Math.Max(0, h - 10)..h].mean(new long[] { 0 })) : null;
        var lastWindow = MeanCi.FromSamples(trace.Regret[Math.Max(0, t - 10)..t].mean(new long[] { 0 }));
        MeanCi? agreeBefore = null, agreeAfter = null;
        if (trace.Agreement is { } a)
        {
            agreeBefore = MeanCi.FromSamples(a[..Math.Min(h, t)].mean(new long[] { 0 }));
            if (h < t) agreeAfter = MeanCi.FromSamples(a[h..t].mean(new long[] { 0 }));
        }
        return new PolicySummary(name, atH, atEnd, after, beforeWindow, lastWindow, agreeBefore, agreeAfter);
    }
}
