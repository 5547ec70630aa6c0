using System.Diagnostics;
using LatentLab.Options;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// Fine-tuning attacks on any <see cref="IFineTuneSubject"/> (an RL lab policy, the bandit student, the cot-synthetic transformer): R copies of the network
/// (one per demonstration set) take k optimiser steps on their own n demonstrations of the target behaviour, and R more copies
/// take the same steps on the subject's benign demonstrations (the control), from the same start; every metric is recorded
/// at k = 1, 2, 4, ... (<see cref="FineTuneAttackOptions.StepGrid"/>). Attack and control step in turn, so an interrupt keeps
/// every step count both reached, marked partial (an interrupt during the clean evaluation throws
/// <see cref="OperationCanceledException"/>: nothing to keep). k50 is the step count at which the target metric is halfway
/// from its clean value to the demonstrated behaviour's own value (<see cref="IFineTuneSubject.Goal"/>), with a bootstrap CI
/// over demonstration sets.
/// </summary>
public static class FineTuneAttack
{
    /// <summary>Runs the attack and its control, reporting every gradient step; an interrupt returns the step counts done, marked partial.</summary>
    public static FineTuneAttackResult Run(IFineTuneSubject subject, FineTuneAttackOptions options, IProgress<FineTuneAttackProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var target = ResolveTarget(subject, options);
        cancellationToken.ThrowIfCancellationRequested();                               // interrupted before it began: nothing to keep
        options = options with { Target = target, LearningRate = options.LearningRate ?? subject.DefaultLearningRate };
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        using var pages = NativeAllocator.KeepPagesMapped();   // every step frees and re-allocates the same blocks (see NativeAllocator)
        var watch = Stopwatch.StartNew();
        var clean = PerturbationSweep.CleanMetrics(subject, cancellationToken);          // interrupted here: nothing to keep, it throws
        var (metric, level) = subject.Goal(target);
        var chance = subject.Chance.ToArray();
        chance[subject.Metrics.ToList().IndexOf(metric)] = level;      // the attacked metric moves towards the demonstrated level, not chance
        var grid = options.StepGrid();
        var attack = new List<double[,]>();
        var control = new List<double[,]>();
        using (var attacked = subject.FineTune(target, options))
        using (var benign = subject.FineTune(null, options))
        {
            int steps = grid[^1], next = 0;
            void Report(string phase, int done) => progress?.Report(new FineTuneAttackProgress(subject.Name, phase, done, 2 * steps, watch.Elapsed));
            for (int step = 1; step <= steps && !cancellationToken.IsCancellationRequested; step++)
            {
                attacked.Step();
                Report("attack", 2 * step - 1);
                if (cancellationToken.IsCancellationRequested) break;                    // this step count is never evaluated: the control need not take it
                benign.Step();
                Report("control", 2 * step);
                if (step != grid[next]) continue;
                try
                {
                    var a = Evaluate(subject, attacked, cancellationToken);
                    var c = Evaluate(subject, benign, cancellationToken);
                    attack.Add(a);
                    control.Add(c);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { break; }   // a half-evaluated step count is dropped
                next++;
            }
        }
        int done = attack.Count;
        var k = grid[..done].Select(x => (double)x).ToArray();
        PerturbationCurve Curve(string tag, string what, List<double[,]> v) => new(
            $"{subject.Name} ({tag})", $"fine-tuning: {what}, n = {options.Demonstrations}", subject.Metrics, subject.CapabilityMetric,
            clean, chance, k, [.. v], options.Resamples, options.Seed, done < grid.Length, watch.Elapsed);
        return new FineTuneAttackResult(Curve("attack", Knob.Kebab(target.ToString()), attack), Curve("control", $"control ({subject.ControlDescription})", control),
            metric, level, options) { ControlDescription = subject.ControlDescription };
    }

    /// <summary>
    /// The attack on several training seeds of one model (e.g. an RL run's policies), each with its own demonstration sets
    /// (seed options.Seed + 1009 t), pooled per run (<see cref="PerturbationCurve.PoolTrainingSeeds"/>): k50 intervals from a
    /// hierarchical bootstrap over training seeds, then demonstration sets. An interrupt pools the seeds begun, marked partial.
    /// </summary>
    public static FineTuneAttackResult RunTrainingSeeds(string model, IReadOnlyList<IFineTuneSubject> trainingSeeds, FineTuneAttackOptions options,
        IProgress<FineTuneAttackProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainingSeeds);
        ArgumentNullException.ThrowIfNull(options);
        if (trainingSeeds.Count == 0) throw new ArgumentException("no training seeds: give at least one network.", nameof(trainingSeeds));
        if (trainingSeeds.Count == 1) return Run(trainingSeeds[0], options, progress, cancellationToken);
        var results = new List<FineTuneAttackResult>();
        for (int t = 0; t < trainingSeeds.Count; t++)
        {
            if (cancellationToken.IsCancellationRequested && results.Count > 0) break;
            FineTuneAttackResult r;
            try { r = Run(trainingSeeds[t], options with { Seed = options.Seed + 1009 * t }, progress, cancellationToken); }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && results.Count > 0) { break; }
            if (r.Attack.Grid.Count == 0 && results.Count > 0) break;
            results.Add(r);
        }
        PerturbationCurve Pool(string tag, Func<FineTuneAttackResult, PerturbationCurve> pick)
        {
            var pooled = PerturbationCurve.PoolTrainingSeeds($"{model} ({tag})", results.Select(pick).ToArray());
            return results.Count < trainingSeeds.Count && !pooled.IsPartial ? pooled.AsPartial() : pooled;
        }
        return results[0] with { Attack = Pool("attack", r => r.Attack), Control = Pool("control", r => r.Control) };
    }

    /// <summary>
    /// The attack on one model's training seeds (<see cref="RunTrainingSeeds"/>), and with <paramref name="second"/> the same for a
    /// second model on the same demonstrations (<see cref="PerturbationSweep.CheckPaired"/>): what <c>#!finetune-attack</c> and
    /// <c>latentlab finetune-attack</c> run. Checks the pairing and the target (<see cref="ResolveTarget"/>) before any work; an
    /// interrupt during the first model returns its partial result alone.
    /// </summary>
    public static IReadOnlyList<FineTuneAttackResult> Compare(string firstName, IReadOnlyList<IFineTuneSubject> first, string? secondName,
        IReadOnlyList<IFineTuneSubject>? second, FineTuneAttackOptions options, IProgress<FineTuneAttackProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Check(firstName, first, secondName, second, options);
        var results = new List<FineTuneAttackResult> { RunTrainingSeeds(firstName, first, options, progress, cancellationToken) };
        if (second is not null && !cancellationToken.IsCancellationRequested)
            results.Add(RunTrainingSeeds(secondName ?? "second", second, options, progress, cancellationToken));
        return results;
    }

    /// <summary>
    /// What <see cref="Compare"/> refuses, without running anything (a front end calls it before its progress display): two
    /// models that cannot be paired, a target the first model's kind has no demonstrations for.
    /// </summary>
    public static void Check(string firstName, IReadOnlyList<IFineTuneSubject> first, string? secondName, IReadOnlyList<IFineTuneSubject>? second,
        FineTuneAttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(options);
        if (second is not null) PerturbationSweep.CheckPaired(firstName, first, secondName ?? "second", second);
        if (first.Count == 0) throw new ArgumentException("no training seeds: give at least one network.", nameof(first));
        ResolveTarget(first[0], options);
    }

    /// <summary>
    /// <paramref name="subjects"/> as subjects a fine-tuning attack can train; throws <see cref="ArgumentException"/> starting with
    /// <paramref name="label"/> (e.g. "--model pre") when one has no demonstrations (it is not an <see cref="IFineTuneSubject"/>).
    /// </summary>
    public static IReadOnlyList<IFineTuneSubject> Subjects(string label, IEnumerable<IPerturbationSubject> subjects) =>
        subjects.Select(s => s as IFineTuneSubject ?? throw new ArgumentException(
            $"{label}: a {s.GetType().Name} is an {nameof(IPerturbationSubject)} without fine-tuning demonstrations (not an {nameof(IFineTuneSubject)}); " +
            "the fine-tuning attack needs an RL lab policy, a bandit student or the cot-synthetic transformer, whose demonstrations it knows how to make.")).ToArray();

    /// <summary>
    /// <c>--target</c> for this subject: the one given, or the subject's default (its first target) when none is. Throws
    /// <see cref="OptionsException"/> naming the targets of the subject's kind when the one given is not among them.
    /// </summary>
    public static FineTuneTarget ResolveTarget(IFineTuneSubject subject, FineTuneAttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Target is not { } target) return subject.Targets[0];
        if (subject.Targets.Contains(target)) return target;
        var knob = OptionSchema.For<FineTuneAttackOptions>().Of(nameof(FineTuneAttackOptions.Target));
        throw new OptionsException(nameof(FineTuneAttackOptions), [knob.Tag(
            $"{knob.Flag} {Knob.Kebab(target.ToString())} does not apply to '{subject.Name}', {subject.Kind}: use " +
            $"{string.Join(" or ", subject.Targets.Select(t => Knob.Kebab(t.ToString())))}.")]);
    }

    static double[,] Evaluate(IFineTuneSubject subject, IFineTuneCopies copies, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return subject.Evaluate(copies.Stacks(), cancellationToken);
    }
}
