using System.Collections;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>The pieces charts share: a line with its confidence band, and a dashed vertical marker (e.g. a training horizon).</summary>
public static class ChartParts
{
    /// <summary>
    /// A mean line with a translucent band between <paramref name="low"/> and <paramref name="high"/>, in one legend
    /// group. The band is left out of the legend unless <paramref name="bandName"/> names it.
    /// </summary>
    /// <param name="x">Positions on the x axis, one per value.</param>
    /// <param name="markers">Draw a marker at each point of the mean line as well.</param>
    public static IEnumerable<Trace> CiBand(string name, IEnumerable x, double[] mean, double[] low, double[] high, string color,
        string yaxis = "y", string? bandName = null, bool markers = false)
    {
        ArgumentNullException.ThrowIfNull(mean);
        if (low.Length != mean.Length || high.Length != mean.Length)
            throw new ArgumentException($"the band of '{name}' has {mean.Length} means, {low.Length} low and {high.Length} high ends; they must be as many.");
        yield return new Scatter
        {
            x = x, y = low, mode = "lines", line = new Line { width = 0, color = color }, showlegend = false, hoverinfo = "skip",
            legendgroup = name, name = name + " 95% CI low", yaxis = yaxis,
        };
        yield return new Scatter
        {
            x = x, y = high, mode = "lines", fill = "tonexty", fillcolor = Palette.Rgba(color, 0.2), line = new Line { width = 0, color = color },
            showlegend = bandName is not null, hoverinfo = "skip", legendgroup = name, name = bandName ?? name + " 95% CI high", yaxis = yaxis,
        };
        yield return new Scatter
        {
            x = x, y = mean, mode = markers ? "lines+markers" : "lines", line = new Line { width = 2, color = color },
            name = name, legendgroup = name, yaxis = yaxis,
        };
    }

    /// <summary>A dashed vertical line across the whole plot at <paramref name="x"/>.</summary>
    public static Shape VerticalMarker(double x) => new()
    {
        type = "line", xref = "x", yref = "paper", x0 = x, x1 = x, y0 = 0, y1 = 1,
        line = new Line { color = Palette.Marker, width = 1.5, dash = "dash" },
    };
}
