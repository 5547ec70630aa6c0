using LatentLab.Torch;
using LatentLab.Options;
using Microsoft.Data.Analysis;

namespace LatentLab.Reinforcement;

/// <summary>
/// PPO over a grid of two environment settings (e.g. ConcernCost x Coupling), every point batched over seeds, for a phase
/// diagram of a final metric against the analytic boundary <see cref="AlignmentEnvironmentOptions.ConcernBreakEvenCost"/>.
/// </summary>
public sealed class RlGrid
{
    /// <summary>Settings a grid may vary (environment options of the same shape as the reference's).</summary>
    public static IReadOnlyList<string> Settings { get; } =
        ["ConcernCost", "Coupling", "JudgeBonus", "AnswerSlip", "SandbagCredit", "RefusePenalty", "MonitorFlipNoise", "HarmfulShare"];

    /// <summary>Name of the first setting.</summary>
    public required string SettingA { get; init; }

    /// <summary>Name of the second setting.</summary>
    public required string SettingB { get; init; }

    /// <summary>True when interrupted: <see cref="Points"/> holds the points finished (the last one possibly partial).</summary>
    public bool IsPartial { get; init; }

    /// <summary>Every point, A-major.</summary>
    public required IReadOnlyList<RlGridPoint> Points { get; init; }

    /// <summary>
    /// The environment options with <paramref name="setting"/> (a property name such as ConcernCost, or its flag concern-cost /
    /// --concern-cost) set to <paramref name="value"/>; an unknown name throws, listing the known ones. The range is checked by
    /// the options' own knobs (<see cref="AlignmentEnvironmentOptions.Validate"/>).
    /// </summary>
    public static AlignmentEnvironmentOptions With(AlignmentEnvironmentOptions o, string setting, double value) =>
        OptionSchema.For<AlignmentEnvironmentOptions>().With(o, Resolve(setting), value);

    /// <summary>The property name of a grid setting given by property name or flag; throws listing the known settings.</summary>
    public static string Resolve(string setting) => Resolve(setting, null);

    /// <summary>
    /// The property name of a grid setting: an environment setting of <see cref="Settings"/>, or (with <paramref name="trainOptions"/>)
    /// a numeric knob of that options record (e.g. <c>kl</c>, <c>lr</c>); throws listing the known ones.
    /// </summary>
    public static string Resolve(string setting, Type? trainOptions)
    {
        var env = OptionSchema.For<AlignmentEnvironmentOptions>();
        if (env.Find(setting ?? "") is { } knob && Settings.Contains(knob.Property.Name)) return knob.Property.Name;
        if (trainOptions is not null && OptionSchema.For(trainOptions).Find(setting ?? "") is { Kind: KnobKind.Number or KnobKind.Integer } train)
            return train.Property.Name;
        var numeric = trainOptions is null ? "" : "; or a number of " + trainOptions.Name + ": " + string.Join(", ",
            OptionSchema.For(trainOptions).Knobs.Where(k => k.Kind is KnobKind.Number or KnobKind.Integer).Select(k => k.Flag[2..]));
        throw new ArgumentException(
            $"Unknown grid setting '{setting}': use one of {string.Join(", ", Settings.Select(s => $"{s} ({env.Of(s).Flag[2..]})"))}{numeric} " +
            "(the environment's shape, e.g. classes or feature-dim, cannot vary: the reference policy is made for one shape).");
    }

    /// <summary>
    /// Reads a grid as typed, <c>"kl=0,0.04; concern-cost=0,0.1"</c>: two settings (flags or property names), each with its values.
    /// Throws <see cref="ArgumentException"/> showing the expected form.
    /// </summary>
    public static (string SettingA, double[] ValuesA, string SettingB, double[] ValuesB) Parse(string text)
    {
        const string form = "write two settings with their values, e.g. \"kl=0,0.04; concern-cost=0,0.1\"";
        var parts = (text ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2) throw new ArgumentException($"--grid '{text}' has {parts.Length} setting(s): {form}.");
        var parsed = parts.Select(part =>
        {
            var eq = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (eq.Length != 2 || eq[0].Length == 0) throw new ArgumentException($"--grid: '{part}' is not setting=values; {form}.");
            var texts = eq[1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (Options.OptionText.GridValuesProblem("--grid", part, texts) is { } problem) throw new ArgumentException(problem);
            var values = texts.Select(v =>
                double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x)
                    ? x : throw new ArgumentException($"--grid: '{v}' in '{part}' is not a number (use a point as the decimal separator); {form}.")).ToArray();
            if (values.Length == 0) throw new ArgumentException($"--grid: '{part}' has no values; {form}.");
            return (eq[0], values);
        }).ToArray();
        return (parsed[0].Item1, parsed[0].values, parsed[1].Item1, parsed[1].values);
    }

    /// <summary>Runs PPO from <paramref name="reference"/> at every (a, b); a setting is an environment setting or a numeric PPO knob.</summary>
    public static RlGrid Run(AlignmentPolicy reference, PpoOptions options, string settingA, IReadOnlyList<double> valuesA,
        string settingB, IReadOnlyList<double> valuesB, IProgress<RlProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(reference, options, settingA, valuesA, settingB, valuesB, (p, o, pr, ct) => Ppo.Train(p, o, null, pr, ct), o => o.Iterations, progress, cancellationToken);

    /// <summary>Runs GRPO from <paramref name="reference"/> at every (a, b); a setting is an environment setting or a numeric GRPO knob.</summary>
    public static RlGrid Run(AlignmentPolicy reference, GrpoOptions options, string settingA, IReadOnlyList<double> valuesA,
        string settingB, IReadOnlyList<double> valuesB, IProgress<RlProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(reference, options, settingA, valuesA, settingB, valuesB, (p, o, pr, ct) => Grpo.Train(p, o, null, pr, ct), o => o.Iterations, progress, cancellationToken);

    /// <summary>
    /// The grid loop: every point's options are checked before the first run; points run in turn (seeds batched within a point);
    /// progress counts iterations across the whole grid. Cancelling keeps the points finished (the last one possibly partial).
    /// Points are not batched together (points x seeds as one batch): measured with `rl table` (README, Benchmarks), one PPO
    /// batch of 64 seeds costs 3.55x the CPU time of 16 seeds, so batching four points would save about 11% on this CPU, while
    /// making every reward constant, KL coefficient and learning rate a per-row tensor and every point's iteration count equal.
    /// </summary>
    static RlGrid Run<T>(AlignmentPolicy reference, T options, string settingA, IReadOnlyList<double> valuesA, string settingB, IReadOnlyList<double> valuesB,
        Func<AlignmentPolicy, T, IProgress<RlProgress>?, CancellationToken, RlRun> train, Func<T, int> iterations,
        IProgress<RlProgress>? progress, CancellationToken cancellationToken) where T : class
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(options);
        settingA = Resolve(settingA, typeof(T));
        settingB = Resolve(settingB, typeof(T));
        if (settingA == settingB) throw new ArgumentException($"Both grid settings are '{settingA}': give two different settings.");
        if (valuesA.Count == 0 || valuesB.Count == 0) throw new ArgumentException("Give at least one value for each grid setting.");
        var schema = OptionSchema.For<T>();
        (AlignmentEnvironmentOptions Env, T Train) Apply((AlignmentEnvironmentOptions Env, T Train) at, string setting, double value)
        {
            if (Settings.Contains(setting)) return (With(at.Env, setting, value), at.Train);
            var knob = schema.Of(setting);
            return (at.Env, schema.With(at.Train, [new KeyValuePair<string, string?>(knob.Flag, OptionText.Number(value))]));
        }
        var grid = valuesA.SelectMany(a => valuesB.Select(b => (a, b, o: Apply(Apply((reference.Environment.Options, options), settingA, a), settingB, b)))).ToList();
        foreach (var p in grid)
        {
            p.o.Env.Validate();
            OptionSchema.Check(p.o.Train);
        }
        // Every point before the first runs: a grid that cannot fit is refused at once, not after hours of earlier points.
        foreach (var p in grid)
            if (p.o.Train is RlRunOptions run)
                MemoryBudget.Ensure(MemoryEstimates.RlTraining(run, p.o.Env, reference.Options, reference.Seeds, grid.Count), reference.Environment.Device);
        int total = grid.Sum(p => iterations(p.o.Train)), before = 0;
        var points = new List<RlGridPoint>();
        foreach (var (a, b, o) in grid)
        {
            if (cancellationToken.IsCancellationRequested) break;
            var env = new AlignmentEnvironment(o.Env, reference.Environment.Device);
            int offset = before;
            var pointProgress = progress is null ? null : new Progress(p => progress.Report(new RlProgress(offset + p.Step, total, p.Means)));
            var run = train(new AlignmentPolicy(reference.Network, env, reference.Options), o.Train, pointProgress, cancellationToken);
            points.Add(new RlGridPoint(a, b, run, o.Env.ConcernBreakEvenCost));
            before += iterations(o.Train);
            if (run.IsPartial) break;
        }
        return new RlGrid { SettingA = settingA, SettingB = settingB, Points = points, IsPartial = points.Count < grid.Count || points[^1].Run.IsPartial };
    }

    /// <summary>Forwards reports synchronously (System.Progress would post them to the thread pool, out of order).</summary>
    sealed class Progress(Action<RlProgress> report) : IProgress<RlProgress>
    {
        public void Report(RlProgress value) => report(value);
    }

    /// <summary>Final values per point and metric: columns a, b, metric, mean, ci_low, ci_high, seeds, break_even_cost.</summary>
    public DataFrame ToDataFrame()
    {
        var rows = Points.SelectMany(p =>
        {
            var summary = p.Run.SummaryDataFrame();
            int last = p.Run.Rows.Max(r => r.Step);
            return Enumerable.Range(0, (int)summary.Rows.Count).Where(i => (int)summary["step"][i] == last)
                .Select(i => (p.A, p.B, Metric: (string)summary["metric"][i], Mean: (double)summary["mean"][i],
                    Low: (double)summary["ci_low"][i], High: (double)summary["ci_high"][i], Seeds: (int)summary["seeds"][i], p.ConcernBreakEvenCost));
        }).ToList();
        return new DataFrame(
            new DoubleDataFrameColumn("a", rows.Select(r => r.A)),
            new DoubleDataFrameColumn("b", rows.Select(r => r.B)),
            new StringDataFrameColumn("metric", rows.Select(r => r.Metric)),
            new DoubleDataFrameColumn("mean", rows.Select(r => r.Mean)),
            new DoubleDataFrameColumn("ci_low", rows.Select(r => r.Low)),
            new DoubleDataFrameColumn("ci_high", rows.Select(r => r.High)),
            new Int32DataFrameColumn("seeds", rows.Select(r => r.Seeds)),
            new DoubleDataFrameColumn("break_even_cost", rows.Select(r => r.ConcernBreakEvenCost)));
    }
}
