using LatentLab.Imitation;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>The growing chart of a live panel: each scalar of a run's <see cref="RunProgress"/> reports against <see cref="RunProgress.Done"/>.</summary>
public static class ProgressCharts
{
    /// <summary>At most this many points per line are drawn (evenly thinned, the newest always kept), so updates stay small.</summary>
    public const int MaxPoints = 500;

    /// <summary>
    /// One line per scalar (in the order they first appear): the first on the left axis, the others on the right axis.
    /// Null when no report has a scalar.
    /// </summary>
    public static PlotlyChart? Scalars(IReadOnlyList<RunProgress> history, string title, string? xTitle = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var names = history.SelectMany(h => h.Scalars.Select(s => s.Name)).Distinct().ToList();
        var traces = new List<Trace>();
        for (int i = 0; i < names.Count; i++)
        {
            var points = history.Select(h => (h.Done, Value: h.Scalar(names[i]))).Where(p => p.Value is { } v && double.IsFinite(v)).ToList();
            if (points.Count == 0) continue;
            points = Thin(points);
            traces.Add(new Scatter
            {
                x = points.Select(p => p.Done).ToArray(),
                y = points.Select(p => p.Value!.Value).ToArray(),
                mode = "lines",
                name = names[i],
                line = new Line { color = Palette.SeriesColor(i) },
            });
        }
        if (traces.Count == 0) return null;
        var layout = new Layout.Layout
        {
            title = title,
            xaxis = new Xaxis { title = xTitle ?? history[^1].Unit },
            // One axis for every scalar: a second, overlaid axis with its own ticks was unreadable beside the legend.
            yaxis = new Yaxis { title = names.Count == 1 ? names[0] : "value" },
        };
        return Chart.Plot(traces, layout);
    }

    /// <summary>Loss, agreement with the teacher and the teacher's share against the gradient step, from a student's training history.</summary>
    public static PlotlyChart? Training(IReadOnlyList<TrainingProgress> history, string title) =>
        Scalars(history.Select(h => h.ToRunProgress()).ToList(), title, "gradient step");

    static List<T> Thin<T>(List<T> points)
    {
        if (points.Count <= MaxPoints) return points;
        double stride = (points.Count - 1) / (double)(MaxPoints - 1);
        return Enumerable.Range(0, MaxPoints).Select(i => points[(int)Math.Round(i * stride)]).ToList();
    }
}
