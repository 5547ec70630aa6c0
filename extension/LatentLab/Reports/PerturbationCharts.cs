using LatentLab.Perturbation;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>Charts of perturbation sweeps (the only perturbation code that calls XPlot). Render them with <see cref="ChartHtml"/>.</summary>
public static class PerturbationCharts
{
    /// <summary>
    /// One metric against the noise scale (log x) for one or more networks on the same draws: the mean over noise seeds with
    /// its 95% CI band, each network's clean value (an open circle at the grid's left end), the chance floor (dotted), and each network's s50 as a marker
    /// on the halfway level with its bootstrap CI as a horizontal bar.
    /// </summary>
    public static PlotlyChart MetricCurves(IReadOnlyList<PerturbationCurve> curves, string metric, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("give at least one perturbation curve to draw.", nameof(curves));
        var traces = new List<Trace>();
        double xMin = curves.Min(c => c.Grid.Where(s => s > 0).DefaultIfEmpty(1e-3).Min());
        double xMax = curves.Max(c => c.Grid.DefaultIfEmpty(1).Max());
        for (int i = 0; i < curves.Count; i++)
        {
            var c = curves[i];
            var color = Palette.SeriesColor(i);
            var points = Enumerable.Range(0, c.Grid.Count).Where(p => c.Grid[p] > 0).ToArray();   // log axis: s = 0 is off the chart
            var ci = c.MeanCurve(metric);
            traces.AddRange(ChartParts.CiBand(c.Model, points.Select(p => c.Grid[p]).ToArray(), points.Select(p => ci[p].Mean).ToArray(),
                points.Select(p => ci[p].Low).ToArray(), points.Select(p => ci[p].High).ToArray(), color, markers: true));
            // The clean value, where the curve starts from (s = 0 is off a log axis): an open circle at the grid's left end.
            double cleanValue = c.Clean[c.MetricIndex(metric)];
            traces.Add(new Scatter
            {
                x = new[] { xMin }, y = new[] { cleanValue }, mode = "markers", legendgroup = c.Model,
                marker = new Marker { color = color, size = 10, symbol = "circle-open" },
                name = $"{c.Model} clean {cleanValue:0.###}",
            });
            var h = c.Halfway(metric);
            if (!double.IsNaN(h.Value) && h.Value > 0)
            {
                double level = (h.Clean + h.Chance) / 2;
                var bar = double.IsNaN(h.Low) ? new[] { h.Value } : new[] { Math.Max(h.Low, xMin / 10), h.High };
                traces.Add(new Scatter
                {
                    x = bar, y = bar.Select(_ => level).ToArray(), mode = "lines", line = new Line { color = color, width = 4 },
                    legendgroup = c.Model, showlegend = false, name = $"{c.Model} s50 95% CI", hoverinfo = "x",
                });
                traces.Add(new Scatter
                {
                    x = new[] { h.Value }, y = new[] { level }, mode = "markers", legendgroup = c.Model,
                    marker = new Marker { color = color, size = 12, symbol = "diamond" },
                    name = $"{c.Model} s50 = {h.Value:0.###}" + (double.IsNaN(h.Low) ? "" : $" [{h.Low:0.###}, {h.High:0.###}]"),
                });
            }
        }
        var first = curves[0];
        double chance = first.Chance[first.MetricIndex(metric)];
        traces.Add(new Scatter
        {
            x = new[] { xMin, xMax }, y = new[] { chance, chance }, mode = "lines", line = new Line { color = "black", width = 1, dash = "dot" },
            name = $"chance {chance:0.###}",
        });
        var layout = new Layout.Layout
        {
            // Two lines (as RlCharts' titles): one line of this length overflowed the plot on both sides.
            title = title ?? $"{metric} under {first.Perturbation}" + (curves.Any(c => c.IsPartial) ? " - partial" : "")
                + $"<br><sub>mean, 95% CI over {(first.TrainingSeeds > 1 ? $"{first.TrainingSeeds} training x {first.NoiseSeeds} noise seeds" : $"{first.Seeds} noise seeds")}; diamonds: s50, halfway to chance</sub>",
            xaxis = new Xaxis { title = "relative noise scale s (noise = s * RMS of each tensor)", type = "log" },
            yaxis = new Yaxis { title = metric },
        };
        return Chart.Plot(traces, layout);
    }
}
