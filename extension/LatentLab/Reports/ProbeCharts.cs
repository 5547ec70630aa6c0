using LatentLab.Probes;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>Charts of a probe sweep (the only probe code that calls XPlot). Render them with the offline HTML helper.</summary>
public static class ProbeCharts
{
    /// <summary>Probe accuracy over layer (rows) x position (columns); cells not finished (partial sweep) are blank.</summary>
    public static PlotlyChart AccuracyHeatmap(ProbeSweepResult result, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var layers = result.Layers.OrderBy(l => l).ToList();
        var positions = result.Positions.ToList();
        var z = layers.Select(l => positions.Select(p => result.Cell(l, p) is { } c ? (object)c.Accuracy : null).ToArray()).ToArray();
        var heat = new Heatmap
        {
            z = z,
            x = positions.Select(p => p.ToString()).ToArray(),
            y = layers.Select(l => $"layer {l}").ToArray(),
            zmin = Math.Min(result.ChanceAccuracy, 0.5),
            zmax = 1.0,
            colorscale = "Viridis",
            colorbar = new Colorbar { title = "accuracy" },
            name = "probe accuracy",
        };
        var chart = Chart.Plot(heat);
        chart.WithLayout(new Layout.Layout
        {
            title = title ?? $"Probe accuracy by layer and position (N={result.Questions}, {result.Options.Folds}-fold CV, chance {result.ChanceAccuracy:F2})" + (result.IsPartial ? " - partial" : ""),
            xaxis = new Xaxis { title = PositionTitle(result) },
            yaxis = new Yaxis { title = "layer" },
        });
        return chart;
    }

    /// <summary>
    /// Accuracy along the chain at one layer (default: the best) with its 95% Wilson band, the control-task accuracy,
    /// the answer-letter baseline and the chance line.
    /// </summary>
    public static PlotlyChart AccuracyAlongChain(ProbeSweepResult result, int? layer = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        int l = layer ?? result.BestLayer;
        var cells = result.Cells.Where(c => c.Layer == l).OrderBy(c => c.Position).ToList();
        if (cells.Count == 0) throw new ArgumentException($"layer {l} has no finished cells; finished layers: {string.Join(", ", result.CompletedLayers)}.");
        var x = cells.Select(c => c.Position).ToArray();
        var traces = ChartParts.CiBand($"probe accuracy, layer {l}", x, cells.Select(c => c.Accuracy).ToArray(),
            cells.Select(c => c.AccuracyCiLow).ToArray(), cells.Select(c => c.AccuracyCiHigh).ToArray(), Palette.Blue,
            bandName: "95% CI (Wilson)", markers: true).ToList();
        if (cells.Any(c => !double.IsNaN(c.ControlAccuracy)))
            traces.Add(new Scatter { x = x, y = cells.Select(c => c.ControlAccuracy).ToArray(), mode = "lines", line = new Line { color = Palette.Grey, dash = "dash" }, name = "control task" });
        if (cells.Any(c => !double.IsNaN(c.BaselineAccuracy)))
            traces.Add(new Scatter { x = x, y = cells.Select(c => c.BaselineAccuracy).ToArray(), mode = "lines+markers", line = new Line { color = Palette.Red, dash = "dot" }, name = "answer-letter logits" });
        traces.Add(new Scatter { x = new[] { x.First(), x.Last() }, y = new[] { result.ChanceAccuracy, result.ChanceAccuracy }, mode = "lines", line = new Line { color = "black", width = 1, dash = "dot" }, name = "chance (majority class)" });
        var chart = Chart.Plot(traces);
        chart.WithLayout(new Layout.Layout
        {
            title = title ?? $"Belief along the chain at layer {l}: probe vs answer-letter logits (N={result.Questions})" + (result.IsPartial ? " - partial" : ""),
            xaxis = new Xaxis { title = PositionTitle(result) },
            yaxis = new Yaxis { title = "accuracy", range = new[] { 0.0, 1.02 } },
        });
        return chart;
    }

    static string PositionTitle(ProbeSweepResult r) =>
        r.Options.Bins > 0 ? $"relative position (bin of {r.Options.Bins})" :
        r.Options.Align == PositionAlignment.End ? "position from the end of the chain (-1 = last token)" : "token position";
}
