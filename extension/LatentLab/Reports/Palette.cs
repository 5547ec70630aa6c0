using System.Globalization;

namespace LatentLab.Reports;

/// <summary>
/// The colours of every LatentLab card, table, progress bar and chart (the series colours are matplotlib's tab10, as
/// Plotly and most notebooks use), so a policy or a kind of line has one colour across a notebook.
/// </summary>
public static class Palette
{
    public const string Blue = "#1f77b4";
    public const string Orange = "#ff7f0e";
    public const string Green = "#2ca02c";
    public const string Red = "#d62728";
    public const string Purple = "#9467bd";
    public const string Grey = "#7f7f7f";
    public const string Cyan = "#17becf";

    /// <summary>The series colours in order, for the n-th line of a chart.</summary>
    public static IReadOnlyList<string> Series { get; } = [Blue, Red, Green, Orange, Purple, Cyan, Grey];

    /// <summary>Labels, keys of a card.</summary>
    public const string Muted = "#555";
    /// <summary>Notes, confidence intervals.</summary>
    public const string Faint = "#777";
    /// <summary>Interrupted, partial, ablation.</summary>
    public const string Alert = "#b00";
    /// <summary>A caution that is not an error (e.g. a horizon shorter than the training horizon).</summary>
    public const string Caution = "#b60";
    /// <summary>Card borders.</summary>
    public const string Border = "#ccc";
    /// <summary>The empty part of a progress bar.</summary>
    public const string Track = "#eee";
    /// <summary>Vertical markers on charts.</summary>
    public const string Marker = "#444";

    /// <summary>The n-th series colour (wrapping around).</summary>
    public static string SeriesColor(int index) => Series[((index % Series.Count) + Series.Count) % Series.Count];

    /// <summary>"#rrggbb" as "rgba(r,g,b,alpha)", e.g. for a translucent CI band.</summary>
    public static string Rgba(string hex, double alpha)
    {
        if (hex is not { Length: 7 } || hex[0] != '#')
            throw new ArgumentException($"colour '{hex}' is not of the form #rrggbb.", nameof(hex));
        int r = int.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        int g = int.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        int b = int.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return $"rgba({r},{g},{b},{alpha.ToString("0.##", CultureInfo.InvariantCulture)})";
    }
}
