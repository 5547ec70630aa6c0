using System.Diagnostics;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// Weight- and activation-noise sweeps of any <see cref="IPerturbationSubject"/>: at each noise scale s of the grid, all
/// noise seeds are evaluated as one batch (K = Seeds stacked copies). Each seed keeps its own eps at every s (common random
/// numbers), so each seed's curve is a ray W + s * RMS(W) * eps_r and s50 is well defined along it.
/// </summary>
public static class PerturbationSweep
{
    /// <summary>The sweep of one subject. An interrupt (<paramref name="cancellationToken"/>) returns the points done, marked partial.</summary>
    public static PerturbationCurve Run(IPerturbationSubject subject, PerturbationOptions options,
        IProgress<PerturbationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Refuse before drawing --seeds copies of every parameter when the machine cannot hold them.
        double parameterCount = subject.Parameters.Sum(p => p.Shape.Aggregate(1.0, (a, b) => a * b));
        MemoryBudget.Ensure(MemoryEstimates.Perturbation(options, parameterCount, subject.EvaluationBytesPerCopy), subject.Device);
        // Interrupted before the first point: nothing to keep, whether or not another run holds the thread count.
        cancellationToken.ThrowIfCancellationRequested();
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        // Every point frees and re-allocates the same stacked copies and activations; with glibc's defaults each block is
        // mmap'ed and faulted in again (the cot transformer's sweep spent 13 of 31 CPU seconds in the kernel). See NativeAllocator.
        using var pages = NativeAllocator.KeepPagesMapped();
        var scope = options.ParsedScope();
        var grid = options.NoiseGrid();
        var watch = Stopwatch.StartNew();
        var clean = CleanMetrics(subject);
        var values = new List<double[,]>();
        if (options.Kind == PerturbationKind.Weights)
        {
            var touched = Touched(subject, scope);
            var masks = InputMasks(subject, scope);
            var eps = WeightNoise.Draw(subject.Parameters.Select(p => p.Shape).ToArray(), options.Seeds, options.Seed, subject.Device);
            try
            {
                var cleanTensors = subject.Parameters.Select(p => p.Value).ToArray();
                for (int i = 0; i < grid.Length && !cancellationToken.IsCancellationRequested; i++)
                {
                    using var d = NewDisposeScope();
                    double[,] point;
                    try { point = subject.Evaluate(WeightNoise.Apply(cleanTensors, eps, touched, grid[i], masks), cancellationToken); }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { break; }   // a half-evaluated point is dropped
                    values.Add(point);
                    progress?.Report(new PerturbationProgress(subject.Name, i + 1, grid.Length, grid[i], watch.Elapsed));
                }
            }
            finally
            {
                foreach (var e in eps) e.Dispose();
            }
        }
        else
        {
            CheckLayers(subject, scope);
            for (int i = 0; i < grid.Length && !cancellationToken.IsCancellationRequested; i++)
            {
                using var d = NewDisposeScope();
                using var noise = new ActivationNoise(grid[i], scope, subject.ActivationLayers, options.Seed);
                values.Add(subject.EvaluateWithHook(options.Seeds, noise.Apply));
                progress?.Report(new PerturbationProgress(subject.Name, i + 1, grid.Length, grid[i], watch.Elapsed));
            }
        }
        bool partial = values.Count < grid.Length;
        return new PerturbationCurve(subject.Name, $"{options.Kind.ToString().ToLowerInvariant()} noise, scope {scope}", subject.Metrics,
            subject.CapabilityMetric, clean, subject.Chance, grid[..values.Count], [.. values], options.Resamples, options.Seed, partial, watch.Elapsed);
    }

    /// <summary>
    /// Several training seeds of one model (e.g. the 16 policies of an RL run), each swept with its own noise draws (seed
    /// options.Seed + 1009 t for training seed t, so the design is nested: noise seeds within training seeds), pooled by
    /// <see cref="PerturbationCurve.PoolTrainingSeeds"/>: s50 intervals from a hierarchical bootstrap over training seeds, then
    /// noise seeds. Training seed t of two models compared this way gets the same draws (paired). An interrupt pools the
    /// training seeds begun (the grid cut to the points every one of them finished), marked partial.
    /// </summary>
    public static PerturbationCurve RunTrainingSeeds(string model, IReadOnlyList<IPerturbationSubject> trainingSeeds, PerturbationOptions options,
        IProgress<PerturbationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainingSeeds);
        ArgumentNullException.ThrowIfNull(options);
        if (trainingSeeds.Count == 0) throw new ArgumentException("no training seeds: give at least one network.", nameof(trainingSeeds));
        options.Validate();
        for (int t = 1; t < trainingSeeds.Count; t++) CheckSameShape(trainingSeeds[0], trainingSeeds[t]);
        if (trainingSeeds.Count == 1) return Run(trainingSeeds[0], options, progress, cancellationToken);
        var curves = new List<PerturbationCurve>();
        for (int t = 0; t < trainingSeeds.Count; t++)
        {
            if (cancellationToken.IsCancellationRequested && curves.Count > 0) break;
            var c = Run(trainingSeeds[t], options with { Seed = options.Seed + 1009 * t }, progress, cancellationToken);
            if (c.Grid.Count == 0 && curves.Count > 0) break;
            curves.Add(c);
        }
        var pooled = PerturbationCurve.PoolTrainingSeeds(model, curves);
        return curves.Count < trainingSeeds.Count && !pooled.IsPartial ? pooled.AsPartial() : pooled;
    }

    /// <summary>
    /// Two networks of the same shape (e.g. pre-RL and post-RL) on the same noise draws (paired): the same options, so the same
    /// seed, give both the same eps. Throws <see cref="ArgumentException"/> when their parameters differ in shape.
    /// </summary>
    public static IReadOnlyList<PerturbationCurve> Compare(IPerturbationSubject first, IPerturbationSubject second, PerturbationOptions options,
        IProgress<PerturbationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return Compare(first.Name, [first], second.Name, [second], options, progress, cancellationToken);
    }

    /// <summary>
    /// The sweep of one model's training seeds (<see cref="RunTrainingSeeds"/>), and with <paramref name="second"/> the same for
    /// a second model on paired draws (<see cref="CheckPaired"/>): what <c>#!perturb</c> and <c>latentlab perturb</c> run. An
    /// interrupt during the first model returns its partial curve alone.
    /// </summary>
    public static IReadOnlyList<PerturbationCurve> Compare(string firstName, IReadOnlyList<IPerturbationSubject> first, string? secondName,
        IReadOnlyList<IPerturbationSubject>? second, PerturbationOptions options, IProgress<PerturbationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (second is not null) CheckPaired(firstName, first, secondName ?? "second", second);
        var curves = new List<PerturbationCurve> { RunTrainingSeeds(firstName, first, options, progress, cancellationToken) };
        if (second is not null && !cancellationToken.IsCancellationRequested)
            curves.Add(RunTrainingSeeds(secondName ?? "second", second, options, progress, cancellationToken));
        return curves;
    }

    /// <summary>
    /// Two models compared on paired draws (noise, or fine-tuning demonstrations): the same shape, and the same number of
    /// training seeds, since training seed t of one is paired with training seed t of the other.
    /// </summary>
    public static void CheckPaired(string firstName, IReadOnlyList<IPerturbationSubject> first, string secondName, IReadOnlyList<IPerturbationSubject> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count == 0 || second.Count == 0) throw new ArgumentException("no training seeds: give at least one network for each model.");
        CheckSameShape(first[0], second[0]);
        if (first.Count != second.Count)
            throw new ArgumentException($"'{firstName}' has {first.Count} training seed(s) and '{secondName}' {second.Count}: paired draws pair training seed t " +
                                        "with training seed t; give two models with the same number of seeds, or --training-seeds 1.");
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter whose name or shape differs.</summary>
    public static void CheckSameShape(IPerturbationSubject first, IPerturbationSubject second)
    {
        var p = first.Parameters;
        var q = second.Parameters;
        if (p.Count != q.Count)
            throw new ArgumentException($"'{first.Name}' has {p.Count} parameter tensors and '{second.Name}' {q.Count}: paired noise draws need two networks of the same shape (same width, depth and inputs).");
        for (int i = 0; i < p.Count; i++)
            if (p[i].Name != q[i].Name || !p[i].Shape.SequenceEqual(q[i].Shape))
                throw new ArgumentException(
                    $"parameter {i} is {p[i].Name} ({string.Join(", ", p[i].Shape)}) in '{first.Name}' but {q[i].Name} ({string.Join(", ", q[i].Shape)}) in '{second.Name}': " +
                    "paired noise draws need two networks of the same shape (same width, depth and inputs).");
        if (!first.Metrics.SequenceEqual(second.Metrics))
            throw new ArgumentException($"'{first.Name}' and '{second.Name}' report different metrics: compare two subjects of the same kind.");
    }

    /// <summary>The clean metrics: one copy of every parameter, unperturbed (cancelling throws <see cref="OperationCanceledException"/>).</summary>
    public static double[] CleanMetrics(IPerturbationSubject subject, CancellationToken cancellationToken = default)
    {
        using var d = NewDisposeScope();
        var table = subject.Evaluate(subject.Parameters.Select(p => p.Value.unsqueeze(0)).ToArray(), cancellationToken);
        return Enumerable.Range(0, subject.Metrics.Count).Select(j => table[0, j]).ToArray();
    }

    /// <summary>Which parameters <paramref name="scope"/> touches; throws naming the parameters when it touches none.</summary>
    public static bool[] Touched(IPerturbationSubject subject, PerturbationScope scope)
    {
        var touched = subject.Parameters.Select(scope.Matches).ToArray();
        if (!touched.Any(t => t))
            throw new ArgumentException(
                $"scope {scope} matches no parameter of '{subject.Name}'; its parameters are " +
                string.Join(", ", subject.Parameters.Select(p => $"{p.Name} (layer {p.Layer}{(p.IsBias ? ", bias" : "")}{(p.IsHead ? ", head" : "")})")) +
                $". Use {PerturbationScope.Forms} that names one of them.");
        return touched;
    }

    /// <summary>For <c>input:NAME</c>: per parameter, a 0/1 mask selecting that input's slice along its input axis (null elsewhere); null for other scopes.</summary>
    public static Tensor?[]? InputMasks(IPerturbationSubject subject, PerturbationScope scope)
    {
        int index = scope.InputIndex(subject.InputNames);
        if (index < 0) return null;
        return subject.Parameters.Select(p =>
        {
            if (p.InputAxis < 0) return null;
            var shape = Enumerable.Repeat(1L, p.Shape.Length).ToArray();
            shape[p.InputAxis] = p.Shape[p.InputAxis];
            var mask = zeros(shape, float32, subject.Device);
            mask.view(-1)[index] = 1f;
            return (Tensor?)mask;
        }).ToArray();
    }

    static void CheckLayers(IPerturbationSubject subject, PerturbationScope scope)
    {
        int n = subject.ActivationLayers;
        if (n == 0)
            throw new ArgumentException($"'{subject.Name}' has no hookable layer outputs: use --kind weights for it.");
        if (!Enumerable.Range(0, n).Any(l => scope.MatchesLayer(l, n)))
            throw new ArgumentException($"scope {scope} matches no layer output of '{subject.Name}' (layers 0..{n - 1}, the last is the head): use all, head or layer:N with N in 0..{n - 1}.");
    }
}
