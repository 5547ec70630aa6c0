using System.Globalization;
using LatentLab.Imitation;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>Charts of the student's hidden state (see <see cref="HiddenStateProjection"/>); XPlot calls live here.</summary>
public static class HiddenStateCharts
{
    /// <summary>
    /// The hidden states on their first two principal components, one dot per state, coloured by
    /// <paramref name="colorBy"/>: <c>pulls</c> (how far into the episode; the default), <c>arm-mean</c> (the arm's true
    /// mean) or <c>arm-pulls</c> (how often the arm was pulled). States past the training horizon are drawn as
    /// crosses, so what the student never saw in training stands out.
    /// </summary>
    public static PlotlyChart Projection(HiddenStateProjection projection, string colorBy = "pulls")
    {
        ArgumentNullException.ThrowIfNull(projection);
        var (values, label) = colorBy switch
        {
            "pulls" => (projection.Pulls.Select(v => (double)v).ToArray(), "pulls seen"),
            "arm-mean" => (projection.ArmMean.Select(v => (double)v).ToArray(), "arm's true mean"),
            "arm-pulls" => (projection.ArmPulls.Select(v => (double)v).ToArray(), "pulls of this arm"),
            _ => throw new ArgumentException($"colorBy must be pulls, arm-mean or arm-pulls (got '{colorBy}').", nameof(colorBy)),
        };
        int h = projection.TrainHorizon;
        var inside = Enumerable.Range(0, values.Length).Where(i => projection.Pulls[i] < h).ToArray();
        var outside = Enumerable.Range(0, values.Length).Where(i => projection.Pulls[i] >= h).ToArray();
        double cmin = values.Length == 0 ? 0 : values.Min(), cmax = values.Length == 0 ? 1 : values.Max();
        Trace Dots(int[] idx, string name, string symbol, bool scale) => new Scatter
        {
            x = idx.Select(i => projection.X[i]).ToArray(),
            y = idx.Select(i => projection.Y[i]).ToArray(),
            mode = "markers",
            name = name,
            marker = new Marker
            {
                color = idx.Select(i => values[i]).ToArray(),
                colorscale = "Viridis",
                cmin = cmin,
                cmax = cmax,
                size = 4,
                opacity = 0.6,
                symbol = symbol,
                showscale = scale,
                colorbar = new Colorbar { title = label },
            },
        };
        var traces = new List<Trace> { Dots(inside, $"steps 1–{h} (as in training)", "circle", true) };
        if (outside.Length > 0) traces.Add(Dots(outside, $"steps {h + 1}–{projection.Horizon} (never trained on)", "x", false));
        string Pct(double v) => (100 * v).ToString("0", CultureInfo.InvariantCulture);
        var layout = new Layout.Layout
        {
            title = $"Student hidden states, PCA ({projection.Episodes} episodes; PC1 {Pct(projection.ExplainedVariance[0])}%, " +
                    $"PC2 {Pct(projection.ExplainedVariance.ElementAtOrDefault(1))}% of variance); colour: {label}",
            xaxis = new Xaxis { title = "PC1" },
            yaxis = new Yaxis { title = "PC2" },
            showlegend = true,
            legend = new Legend { x = 0, y = 1.12, orientation = "h" },
        };
        return Chart.Plot(traces, layout);
    }
}
