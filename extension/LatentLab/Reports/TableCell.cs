using LatentLab.Statistics;

namespace LatentLab.Reports;

/// <summary>One cell of a <see cref="Table"/>: its plain text and its HTML.</summary>
public sealed record TableCell(string Text, string Html)
{
    /// <summary>A cell of plain text (escaped for HTML).</summary>
    public static TableCell Of(string text) => new(text, ReportFormat.Escape(text));

    /// <summary>A mean with its CI: "mean [low, high]", the interval muted in HTML.</summary>
    public static TableCell Ci(MeanCi? m, string format = "0.00") => new(ReportFormat.CiText(m, format), ReportFormat.CiHtml(m, format));

    public static implicit operator TableCell(string text) => Of(text);
}
