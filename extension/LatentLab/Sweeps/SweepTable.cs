using LatentLab.Options;
using LatentLab.Statistics;
using Microsoft.Data.Analysis;

namespace LatentLab.Sweeps;

/// <summary>
/// A sweep's results merged from its folder: <see cref="Points"/> has one row per point (its grid values, seed, state, the
/// scalar metrics of its result file, the failure message), <see cref="Settings"/> one row per grid setting with, for every
/// metric, the mean over the seeds that finished and its 95% Student-t interval (NaN with fewer than two seeds).
/// </summary>
public sealed class SweepTable
{
    SweepTable(DataFrame points, DataFrame settings, IReadOnlyList<string> metrics, IReadOnlyList<PointStatus> statuses)
    {
        Points = points;
        Settings = settings;
        Metrics = metrics;
        Statuses = statuses;
    }

    /// <summary>One row per point: point, the grid's options, seed, state, every metric, error.</summary>
    public DataFrame Points { get; }

    /// <summary>One row per setting: the grid's options, seeds (requested), done, failed, and per metric mean, ci_low, ci_high.</summary>
    public DataFrame Settings { get; }

    /// <summary>The metrics' names, in the order they first appear.</summary>
    public IReadOnlyList<string> Metrics { get; }

    /// <summary>Every point's state.</summary>
    public IReadOnlyList<PointStatus> Statuses { get; }

    /// <summary>Reads every point's state and result in <paramref name="folder"/> and merges them.</summary>
    public static SweepTable Of(SweepFolder folder)
    {
        var plan = folder.Plan;
        var statuses = folder.Statuses();
        var metrics = new List<string>();
        foreach (var s in statuses)
        {
            foreach (var (name, _) in s.Result?.Metrics ?? []) if (!metrics.Contains(name)) metrics.Add(name);
        }
        double Metric(PointStatus s, string name) =>
            s.Result?.Metrics.FirstOrDefault(m => m.Key == name) is { Key: not null } m ? m.Value : double.NaN;

        var points = new DataFrame(new StringDataFrameColumn("point", statuses.Select(s => s.Point.Name)));
        foreach (var (axis, i) in plan.Axes.Select((a, i) => (a, i))) points.Columns.Add(AxisColumn(axis, statuses.Select(s => s.Point.Values[i].Value)));
        if (plan.Seeds.Count > 0) points.Columns.Add(new Int32DataFrameColumn("seed", statuses.Select(s => s.Point.Seed ?? 0)));
        points.Columns.Add(new StringDataFrameColumn("state", statuses.Select(s => s.State.ToString().ToLowerInvariant())));
        foreach (var m in metrics) points.Columns.Add(new DoubleDataFrameColumn(m, statuses.Select(s => Metric(s, m))));
        points.Columns.Add(new StringDataFrameColumn("error", statuses.Select(s => s.Error ?? "")));

        var groups = statuses.GroupBy(s => s.Point.Setting).OrderBy(g => g.Key).ToList();
        var settings = new DataFrame();
        foreach (var (axis, i) in plan.Axes.Select((a, i) => (a, i))) settings.Columns.Add(AxisColumn(axis, groups.Select(g => g.First().Point.Values[i].Value)));
        settings.Columns.Add(new Int32DataFrameColumn("points", groups.Select(g => g.Count())));
        settings.Columns.Add(new Int32DataFrameColumn("done", groups.Select(g => g.Count(s => s.State == PointState.Done))));
        settings.Columns.Add(new Int32DataFrameColumn("failed", groups.Select(g => g.Count(s => s.State == PointState.Failed))));
        foreach (var m in metrics)
        {
            var cis = groups.Select(g => Ci(g.Where(s => s.State == PointState.Done).Select(s => Metric(s, m)).Where(v => !double.IsNaN(v)).ToArray())).ToList();
            settings.Columns.Add(new DoubleDataFrameColumn($"{m}_mean", cis.Select(c => c.Mean)));
            settings.Columns.Add(new DoubleDataFrameColumn($"{m}_ci_low", cis.Select(c => c.Low)));
            settings.Columns.Add(new DoubleDataFrameColumn($"{m}_ci_high", cis.Select(c => c.High)));
        }
        return new SweepTable(points, settings, metrics, statuses);
    }

    /// <summary>Writes <c>points.csv</c> and <c>settings.csv</c> into <paramref name="folder"/> (each atomically); returns their paths.</summary>
    public IReadOnlyList<string> Save(string folder)
    {
        var paths = new List<string>();
        foreach (var (frame, name) in new[] { (Points, "points.csv"), (Settings, "settings.csv") })
        {
            var path = Path.Combine(folder, name);
            Formats.AtomicFile.Write(path, temp => DataFrame.SaveCsv(frame, temp, cultureInfo: System.Globalization.CultureInfo.InvariantCulture));
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Mean and 95% t-interval of <paramref name="values"/> (seeds); NaN interval with fewer than two, NaN mean with none.</summary>
    public static MeanCi Ci(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return new MeanCi(double.NaN, double.NaN, double.NaN, 0);
        double mean = values.Average();
        double sd = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return MeanCi.FromMoments(mean, sd, values.Count);
    }

    static DataFrameColumn AxisColumn(SweepPlan.GridAxis axis, IEnumerable<string> values)
    {
        var name = axis.Flag.TrimStart('-');
        var list = values.ToList();
        return axis.Knob?.Kind switch
        {
            KnobKind.Integer => new Int64DataFrameColumn(name, list.Select(v => Convert.ToInt64(axis.Knob.Parse(v), System.Globalization.CultureInfo.InvariantCulture))),
            KnobKind.Number => new DoubleDataFrameColumn(name, list.Select(v => Convert.ToDouble(axis.Knob.Parse(v), System.Globalization.CultureInfo.InvariantCulture))),
            _ => new StringDataFrameColumn(name, list),
        };
    }
}
