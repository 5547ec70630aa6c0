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
    public static string Resolve(string setting)
    {
        var schema = OptionSchema.For<AlignmentEnvironmentOptions>();
        if (schema.Find(setting ?? "") is { } knob && Settings.Contains(knob.Property.Name)) return knob.Property.Name;
        throw new ArgumentException(
            $"Unknown grid setting '{setting}': use one of {string.Join(", ", Settings.Select(s => $"{s} ({schema.Of(s).Flag[2..]})"))} " +
            "(the environment's shape, e.g. classes or feature-dim, cannot vary: the reference policy is made for one shape).");
    }

    /// <summary>Runs PPO from <paramref name="reference"/> at every (a, b); the reference keeps its weights, only the environment changes.</summary>
    public static RlGrid Run(AlignmentPolicy reference, PpoOptions options, string settingA, IReadOnlyList<double> valuesA,
        string settingB, IReadOnlyList<double> valuesB, IProgress<RlProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        settingA = Resolve(settingA);
        settingB = Resolve(settingB);
        if (settingA == settingB) throw new ArgumentException($"Both grid settings are '{settingA}': give two different settings.");
        if (valuesA.Count == 0 || valuesB.Count == 0) throw new ArgumentException("Give at least one value for each grid setting.");
        // Check every point's options before the first run.
        var envs = valuesA.SelectMany(a => valuesB.Select(b => (a, b, o: With(With(reference.Environment.Options, settingA, a), settingB, b)))).ToList();
        foreach (var p in envs) p.o.Validate();
        var points = new List<RlGridPoint>();
        foreach (var (a, b, o) in envs)
        {
            if (cancellationToken.IsCancellationRequested) break;
            var env = new AlignmentEnvironment(o, reference.Environment.Device);
            var run = Ppo.Train(new AlignmentPolicy(reference.Network, env, reference.Options), options, null, progress, cancellationToken);
            points.Add(new RlGridPoint(a, b, run, o.ConcernBreakEvenCost));
            if (run.IsPartial) break;
        }
        return new RlGrid { SettingA = settingA, SettingB = settingB, Points = points, IsPartial = points.Count < envs.Count || points[^1].Run.IsPartial };
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
