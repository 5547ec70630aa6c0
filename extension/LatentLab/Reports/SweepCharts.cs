using LatentLab.Sweeps;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>Charts of a sweep's merged table.</summary>
public static class SweepCharts
{
    /// <summary>
    /// <paramref name="metric"/> per setting: the mean over seeds with its 95% t-interval as a band, the setting's grid values
    /// on the x axis, and every seed's own value as a dot.
    /// </summary>
    public static PlotlyChart Metric(SweepTable table, string metric)
    {
        if (!table.Metrics.Contains(metric))
            throw new ArgumentException($"The sweep has no metric '{metric}'; it has {(table.Metrics.Count == 0 ? "none (no point is done)" : string.Join(", ", table.Metrics))}.");
        var s = table.Settings;
        var axes = s.Columns.TakeWhile(c => c.Name != "points").ToList();
        var labels = Enumerable.Range(0, (int)s.Rows.Count)
            .Select(r => string.Join(", ", axes.Select(a => $"{a.Name} {Format(a[r])}"))).ToArray();
        double[] Column(string name) => Enumerable.Range(0, (int)s.Rows.Count).Select(r => Convert.ToDouble(s[name][r] ?? double.NaN)).ToArray();
        var color = Palette.SeriesColor(0);
        var traces = ChartParts.CiBand($"{metric}: mean over seeds", labels, Column($"{metric}_mean"), Column($"{metric}_ci_low"), Column($"{metric}_ci_high"),
            color, bandName: "95% CI across seeds (t)", markers: true).ToList();
        var p = table.Points;
        var done = Enumerable.Range(0, (int)p.Rows.Count).Where(r => (string)p["state"][r] == "done").ToList();
        var perPoint = table.Statuses.Select(st => labels[st.Point.Setting]).ToArray();
        traces.Add(new Scatter
        {
            x = done.Select(r => perPoint[r]).ToArray(), y = done.Select(r => Convert.ToDouble(p[metric][r])).ToArray(), mode = "markers",
            marker = new Marker { size = 5, color = Palette.Rgba(color, 0.5) }, name = "one seed",
        });
        var chart = Chart.Plot(traces);
        chart.WithLayout(new Layout.Layout
        {
            title = $"{metric} per setting ({table.Statuses.Count} points)", xaxis = new Xaxis { title = "setting", type = "category" },
            yaxis = new Yaxis { title = metric }, height = 420,
        });
        return chart;
    }

    static string Format(object? value) => value switch
    {
        double d => d.ToString("G6", System.Globalization.CultureInfo.InvariantCulture),
        null => "",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
