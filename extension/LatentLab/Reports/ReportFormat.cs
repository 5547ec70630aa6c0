using System.Globalization;
using System.Net;
using LatentLab.Statistics;

namespace LatentLab.Reports;

/// <summary>
/// How every LatentLab report writes text: HTML escaping, numbers (invariant culture, one sign for a missing value),
/// a mean with its CI (HTML and plain), durations and rates. Cards, tables, progress panels and formatters all use it,
/// so a number looks the same everywhere.
/// </summary>
public static class ReportFormat
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>What a missing number (NaN, or no value at all) is shown as.</summary>
    public const string Missing = "n/a";

    /// <summary>Text made safe for HTML (element content and attribute values).</summary>
    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary><paramref name="value"/> in <paramref name="format"/>, invariant culture; NaN as <see cref="Missing"/>.</summary>
    public static string Number(double value, string format = "0.00") => double.IsNaN(value) ? Missing : value.ToString(format, Inv);

    /// <summary>An integer with no grouping, invariant culture.</summary>
    public static string Number(long value) => value.ToString(Inv);

    /// <summary>"mean [low, high]" as plain text; <see cref="Missing"/> without a value.</summary>
    public static string CiText(MeanCi? m, string format = "0.00") =>
        m is null ? Missing : CiText(m.Mean, m.Low, m.High, format);

    /// <summary>"value [low, high]" as plain text.</summary>
    public static string CiText(double value, double low, double high, string format = "0.00") =>
        $"{Number(value, format)} [{Number(low, format)}, {Number(high, format)}]";

    /// <summary>"mean [low, high]" as HTML, the interval in a muted colour; <see cref="Missing"/> without a value.</summary>
    public static string CiHtml(MeanCi? m, string format = "0.00") =>
        m is null ? Missing : CiHtml(m.Mean, m.Low, m.High, format);

    /// <summary>"value [low, high]" as HTML, the interval in a muted colour.</summary>
    public static string CiHtml(double value, double low, double high, string format = "0.00") =>
        $"{Number(value, format)} <span style=\"color:{Palette.Faint}\">[{Number(low, format)}, {Number(high, format)}]</span>";

    /// <summary>A duration for people: "12.3 s" under a minute, then "4:05", then "1:04:05"; <see cref="Missing"/> when unknown.</summary>
    public static string Duration(TimeSpan? t) => t switch
    {
        null => Missing,
        { TotalSeconds: < 60 } s => Math.Max(0, s.TotalSeconds).ToString("0.0", Inv) + " s",
        { TotalHours: < 1 } m => m.ToString(@"m\:ss", Inv),
        { } h => ((int)h.TotalHours).ToString(Inv) + h.ToString(@"\:mm\:ss", Inv),
    };

    /// <summary>A rate per second: "1.23 M", "45.6 k" or "7.8" (then the unit and "/s" follow).</summary>
    public static string Rate(double perSecond) =>
        double.IsNaN(perSecond) ? Missing
        : perSecond >= 1e5 ? (perSecond / 1e6).ToString("0.00", Inv) + " M"
        : perSecond >= 1e3 ? (perSecond / 1e3).ToString("0.0", Inv) + " k"
        : perSecond.ToString("0.0", Inv);
}
