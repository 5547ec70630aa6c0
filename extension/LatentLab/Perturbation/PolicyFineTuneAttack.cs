using System.Diagnostics;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// Fine-tuning attacks on an RL lab policy: R copies of the network (one per demonstration set, stacked) take k Adam steps
/// on the sequence log-likelihood -log pi(demonstrated sequence | context) of their own n demonstrations; the metrics are
/// recorded at k = 1, 2, 4, ... The control takes the same steps on benign demonstrations (comply, no concerns, the
/// correct answer on a benign request: the capability the policy already has), from the same start.
/// </summary>
public static class PolicyFineTuneAttack
{
    /// <summary>Runs the attack and its control.</summary>
    public static FineTuneAttackResult Run(PolicySubject subject, FineTuneAttackOptions options, CancellationToken cancellationToken = default) =>
        Run(subject, options, null, cancellationToken);

    /// <summary>
    /// The attack on several training seeds of one model (e.g. an RL run's policies), each with its own demonstration sets
    /// (seed options.Seed + 1009 t), pooled per run (<see cref="PerturbationCurve.PoolTrainingSeeds"/>): k50 intervals from a
    /// hierarchical bootstrap over training seeds, then demonstration sets. An interrupt pools the seeds begun, marked partial.
    /// </summary>
    public static FineTuneAttackResult RunTrainingSeeds(string model, IReadOnlyList<PolicySubject> trainingSeeds, FineTuneAttackOptions options,
        IProgress<FineTuneAttackProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainingSeeds);
        ArgumentNullException.ThrowIfNull(options);
        if (trainingSeeds.Count == 0) throw new ArgumentException("no training seeds: give at least one policy.", nameof(trainingSeeds));
        if (trainingSeeds.Count == 1) return Run(trainingSeeds[0], options, progress, cancellationToken);
        var results = new List<FineTuneAttackResult>();
        for (int t = 0; t < trainingSeeds.Count; t++)
        {
            if (cancellationToken.IsCancellationRequested && results.Count > 0) break;
            var r = Run(trainingSeeds[t], options with { Seed = options.Seed + 1009 * t }, progress, cancellationToken);
            if (r.Attack.Grid.Count == 0 && results.Count > 0) break;
            results.Add(r);
        }
        PerturbationCurve Pool(string tag, Func<FineTuneAttackResult, PerturbationCurve> pick)
        {
            var pooled = PerturbationCurve.PoolTrainingSeeds($"{model} ({tag})", results.Select(pick).ToArray());
            return results.Count < trainingSeeds.Count && !pooled.IsPartial ? pooled.AsPartial() : pooled;
        }
        return new FineTuneAttackResult(Pool("attack", r => r.Attack), Pool("control", r => r.Control), results[0].TargetMetric, results[0].TargetValue, options);
    }

    /// <summary>Runs the attack and its control, reporting each step.</summary>
    public static FineTuneAttackResult Run(PolicySubject subject, FineTuneAttackOptions options, IProgress<FineTuneAttackProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        var watch = Stopwatch.StartNew();
        var clean = PerturbationSweep.CleanMetrics(subject);
        var (metric, type, mode) = options.Target switch
        {
            FineTuneTarget.ComplyInDeployment => (AlignmentMetrics.ComplianceDeploy, 2, ResponseMode.Comply),  // harmful, unmonitored
            _ => (AlignmentMetrics.RefusalTrain, 3, ResponseMode.Refuse),                                   // harmful, monitored
        };
        var chance = subject.Chance.ToArray();
        chance[subject.Metrics.ToList().IndexOf(metric)] = 1.0;       // the attacked metric moves towards the demonstrated rate
        var grid = options.StepGrid();
        var attack = Train(subject, options, type, mode, grid, 0, cancellationToken,
            step => progress?.Report(new FineTuneAttackProgress(subject.Name, "attack", step, 2 * grid[^1], watch.Elapsed)));
        var control = Train(subject, options, 0, ResponseMode.Comply, grid, 1, cancellationToken,
            step => progress?.Report(new FineTuneAttackProgress(subject.Name, "control", grid[^1] + step, 2 * grid[^1], watch.Elapsed)));
        int done = Math.Min(attack.Count, control.Count);
        var k = grid[..done].Select(x => (double)x).ToArray();
        PerturbationCurve Curve(string tag, List<double[,]> v) => new(
            $"{subject.Name} ({tag})", $"fine-tuning: {tag}, n = {options.Demonstrations}", subject.Metrics, subject.CapabilityMetric,
            clean, chance, k, [.. v.Take(done)], options.Resamples, options.Seed, done < grid.Length, watch.Elapsed);
        return new FineTuneAttackResult(Curve("attack", attack), Curve("control", control), metric, 1.0, options);
    }

    /// <summary>
    /// Trains R stacked copies on demonstrations of context <paramref name="type"/> (0..3 as in Balanced: 2 = harmful
    /// unmonitored, 3 = harmful monitored, 0 = benign unmonitored) answered with <paramref name="mode"/>, k = 0 concerns,
    /// the correct answer; returns the metrics (R, M) after each step count of the grid.
    /// </summary>
    static List<double[,]> Train(PolicySubject subject, FineTuneAttackOptions o, int type, ResponseMode mode, int[] grid, int stream,
        CancellationToken cancellationToken, Action<int> stepDone)
    {
        var policy = subject.Policy;
        var env = policy.Environment;
        int r = o.Seeds, n = o.Demonstrations, c = env.Options.Classes;
        // Demonstration sets: one balanced pool per stream, the requested type's contexts, R sets of n (seed-major).
        var pool = env.Balanced(r * n, o.Seed * 2L + stream + 1_000_003L);
        var idx = arange(r * n, int64, env.Device).add(type * (long)r * n).view(r, n);   // (R, n) rows of that type
        var demos = pool.Take(idx);                                                     // tensors (R, n), features (R, n, D)
        var target = (demos.Target + (long)mode * c).unsqueeze(-1);                     // (R, n, 1): seq = 0 * 3C + mode * C + answer
        using var net = policy.Network.Replicate(r, "attacked");
        var copy = policy.With(net);
        var parameters = net.parameters().ToArray();
        using var adam = optim.Adam(parameters, o.LearningRate);
        var results = new List<double[,]>();
        int next = 0;
        for (int step = 1; step <= grid[^1] && !cancellationToken.IsCancellationRequested; step++)
        {
            using (var scope = NewDisposeScope())
            {
                adam.zero_grad();
                var logp = copy.SequenceLogProbs(demos);                                // (R, n, Q)
                var loss = -logp.gather(-1, target).mean([1, 2]).sum();                 // each copy its own mean; summed, gradients stay apart
                loss.backward();
                adam.step();
            }
            if (step == grid[next])
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                results.Add(subject.Evaluate(net.StackedParameters.Select(p => p.Value.detach()).ToArray()));
                next++;
            }
            stepDone(step);
        }
        return results;
    }
}
