using System.Diagnostics;
using LatentLab.Imitation;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// Runs the student (if given) and the classic baselines on the same fresh episodes (common random numbers) and
/// summarises regret and agreement with UCB1, each with a 95% CI over episodes.
/// </summary>
public static class BanditEvaluator
{
    /// <summary>Offset that separates evaluation bandits from any training stream.</summary>
    const long EvaluationSeedOffset = 1_000_003;

    public static BanditEvaluation Evaluate(BanditEvaluationOptions options, TrainedStudent? student, Device device,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        options.Validate();
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        return EvaluateOnCurrentThreads(options, student, device, progress, cancellationToken);
    }

    static BanditEvaluation EvaluateOnCurrentThreads(BanditEvaluationOptions options, TrainedStudent? student, Device device,
        IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        using var pages = NativeAllocator.KeepPagesMapped();   // for this run only (see NativeAllocator)
        int arms = options.Arms ?? student?.Arms ?? 5;
        if (student is not null && student.Arms != arms && student.Options.Architecture != StudentArchitecture.PerArm)
            throw new ArgumentException($"The student was trained on {student.Arms} arms but the evaluation asks for {arms}; use --arms {student.Arms}.", nameof(options));
        int trainHorizon = options.TrainHorizon ?? student?.TrainHorizon ?? 50;
        var spec = new BanditSpec(arms, options.Reward, options.Means, options.NoiseStd);
        spec.Validate();
        var names = options.BaselinesOrDefault.Select(PolicyNames.Normalize).Distinct().ToList();
        var policies = new List<IBanditPolicy>();
        if (student is not null) policies.Add(student.CreatePolicy());
        policies.AddRange(names.Select(n => PolicyNames.Create(n, spec, options.Epsilon)));

        var clock = Stopwatch.StartNew();
        var curves = new List<PolicyCurve>();
        var summaries = new List<PolicySummary>();
        Tensor? studentCum = null, ucbCum = null;
        int horizon = options.Horizon;
        try
        {
            using var env = BanditEnvironment.Create(spec, options.Episodes, horizon, options.Seed + EvaluationSeedOffset, device);
            for (int i = 0; i < policies.Count; i++)
            {
                var policy = policies[i];
                int index = i;
                using var scope = NewDisposeScope();
                using var trace = BanditRollout.Run(env, policy, horizon, options.Seed * 31 + 1000 + i, options.Agreement,
                    t => { if (t % 10 == 0 || t == horizon) progress?.Report(new EvaluationProgress(policy.Name, index, policies.Count, t, horizon)); },
                    cancellationToken);
                var cum = trace.Regret.cumsum(0);                                                     // (T, B)
                curves.Add(CurveOf(policy.Name, cum));
                summaries.Add(Summarise(policy.Name, trace, cum, trainHorizon));
                if (policy.Name == PolicyNames.Student) studentCum = cum.DetachFromDisposeScope();
                if (policy.Name == PolicyNames.Ucb1) ucbCum = cum.DetachFromDisposeScope();
            }
            PairedDifference? paired = null;
            if (studentCum is not null && ucbCum is not null)
            {
                using var scope = NewDisposeScope();
                var c = CurveOf(PolicyNames.Student, studentCum - ucbCum);
                paired = new PairedDifference(PolicyNames.Student, PolicyNames.Ucb1, c.Regret, c.Low, c.High);
            }
            return new BanditEvaluation(options, arms, horizon, trainHorizon, options.Episodes, curves, summaries, paired,
                student?.ToString(), clock.Elapsed);
        }
        finally
        {
            studentCum?.Dispose();
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
