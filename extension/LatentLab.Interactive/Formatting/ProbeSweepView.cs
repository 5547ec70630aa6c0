using System.Text;
using LatentLab.Probes;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive.Formatting;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// How a <see cref="ProbeSweepResult"/> looks in a notebook: the summary card (best cell with CI, selectivity, where the
/// answer becomes readable vs where the answer-letter logits do), the accuracy heatmap over layer x position, and the
/// best layer along the chain with its CI band, control and baseline. Charts come from <see cref="ProbeCharts"/>.
/// </summary>
public static class ProbeSweepView
{
    public static string Html(ProbeSweepResult result)
    {
        var html = new StringBuilder(ProbeReport.SummaryHtml(result));
        if (result.IsPartial)
        {
            html.Append($"<p style=\"color:{Palette.Alert};font-family:sans-serif\">Partial result: the sweep was interrupted after ")
                .Append(result.CompletedLayers.Count).Append(" of ").Append(result.Layers.Count)
                .Append(" layers. Blank heatmap rows were not probed; run the command again for all of them.</p>");
        }
        if (result.Cells.Count == 0)
        {
            return html.Append("<p style=\"font-family:sans-serif\">No layer finished, so there is nothing to chart.</p>").ToString();
        }
        html.Append(ChartSession.ToHtml(ProbeCharts.AccuracyHeatmap(result)));
        html.Append(ChartSession.ToHtml(ProbeCharts.AccuracyAlongChain(result)));
        html.Append($"<p style=\"font-family:sans-serif;color:{Palette.Muted};max-width:760px\">")
            .Append(ReportFormat.Escape(
                "Band: 95% Wilson interval of the held-out accuracy. Control: the same probe on random labels (selectivity = accuracy - control). " +
                "Answer-letter logits: reading the answer straight from the model's A/B/... scores at that position. " +
                "The numbers: .ToDataFrame()."))
            .Append("</p>");
        return html.ToString();
    }

    /// <summary>The sweep's DataFrame, folded away under a one-line summary (it has one row per cell).</summary>
    public static HtmlFragment DataFrame(ProbeSweepResult result, string variable)
    {
        var frame = result.ToDataFrame();
        var caption = $"The numbers: {frame.Rows.Count} rows (one per layer x position), columns {string.Join(", ", frame.Columns.Select(c => c.Name))}; " +
                      $"in C#: {variable}.ToDataFrame()";
        return new HtmlFragment(
            $"<details class=\"latentlab-dataframe\"><summary style=\"font-family:sans-serif;cursor:pointer\">{ReportFormat.Escape(caption)}</summary>" +
            frame.ToDisplayString(HtmlFormatter.MimeType) + "</details>",
            caption);
    }

    public static string Text(ProbeSweepResult result)
    {
        var text = new StringBuilder(result.ToString());
        if (result.Cells.Count > 0)
        {
            int best = result.BestLayer;
            var first = ProbeReport.FirstReadablePosition(result, best);
            text.Append($"\nBest layer {best}: answer readable (95% CI above chance) from ")
                .Append(first is null ? "no position" : $"position {first}");
            if (result.HasBaseline && first is { } p && result.Cell(best, p) is { } cell)
            {
                var logits = ProbeReport.FirstBaselinePosition(result, best, cell.Accuracy);
                text.Append($"; answer-letter logits reach {cell.Accuracy:0.000} ").Append(logits is null ? "at no position" : $"at position {logits}");
            }
            text.Append('.');
        }
        return text.Append("\nNumbers: .ToDataFrame()").ToString();
    }
}
