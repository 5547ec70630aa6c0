using System.Globalization;
using System.Net;
using System.Text;
using LatentLab.Probes;

namespace LatentLab.Reports;

/// <summary>A plain-HTML summary card of a probe sweep (no scripts; safe in static exports).</summary>
public static class ProbeReport
{
    /// <summary>
    /// The first position at <paramref name="layer"/> where the probe is reliably above chance (its 95% CI low end above
    /// the chance line), or null.
    /// </summary>
    public static int? FirstReadablePosition(ProbeSweepResult r, int layer) =>
        r.Cells.Where(c => c.Layer == layer && c.AccuracyCiLow > r.ChanceAccuracy).OrderBy(c => c.Position).Select(c => (int?)c.Position).FirstOrDefault();

    /// <summary>The first position at <paramref name="layer"/> where the answer-letter logits reach the probe's accuracy threshold, or null.</summary>
    public static int? FirstBaselinePosition(ProbeSweepResult r, int layer, double threshold) =>
        r.Cells.Where(c => c.Layer == layer && c.BaselineAccuracy >= threshold).OrderBy(c => c.Position).Select(c => (int?)c.Position).FirstOrDefault();

    /// <summary>The summary card as an HTML fragment.</summary>
    public static string SummaryHtml(ProbeSweepResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var inv = CultureInfo.InvariantCulture;
        string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.000", inv);
        string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<div class=\"latentlab-card\" style=\"font-family:sans-serif;border:1px solid #ccc;border-radius:6px;padding:10px 14px;max-width:760px\">");
        sb.Append("<div style=\"font-weight:bold;font-size:1.1em\">Probe sweep").Append(r.IsPartial ? " <span style=\"color:#b00\">(partial: interrupted)</span>" : "").Append("</div>");
        sb.Append("<div style=\"color:#555\">").Append(E(r.Source)).Append("</div><table style=\"margin-top:6px\">");
        void Row(string k, string v) => sb.Append("<tr><td style=\"padding-right:12px;color:#555\">").Append(E(k)).Append("</td><td>").Append(v).Append("</td></tr>");
        Row("questions", r.Questions.ToString(inv) + $" ({r.ClassNames.Count} classes: {E(string.Join(", ", r.ClassNames))}); chance (majority class) {F(r.ChanceAccuracy)}");
        Row("cells", $"{r.Cells.Count} finished of {r.Layers.Count * r.Positions.Count} ({r.CompletedLayers.Count}/{r.Layers.Count} layers x {r.Positions.Count} positions)");
        Row("probe", $"L2 logistic regression (C = {r.Options.C.ToString(inv)}) on standardised features, {r.Options.Folds}-fold CV" +
            (r.Options.Control ? ", control task" : "") + $", seed {r.Options.Seed}; {r.Elapsed.TotalSeconds.ToString("0.00", inv)} s on {E(r.Device)}" +
            (double.IsNaN(r.ConvergedFraction) ? "" : $"; converged {r.ConvergedFraction.ToString("P1", inv)}"));
        if (r.Cells.Count > 0)
        {
            var top = r.Cells.MaxBy(c => c.Accuracy)!;
            int best = r.BestLayer;
            Row("best cell", $"layer {top.Layer}, position {top.Position}: accuracy {F(top.Accuracy)} [95% CI {F(top.AccuracyCiLow)}, {F(top.AccuracyCiHigh)}], " +
                $"control {F(top.ControlAccuracy)}, selectivity {F(top.Selectivity)}, answer-letter logits {F(top.BaselineAccuracy)}");
            var first = FirstReadablePosition(r, best);
            Row("best layer", $"{best} (mean accuracy over positions {F(r.Cells.Where(c => c.Layer == best).Average(c => c.Accuracy))})");
            var readable = first is null ? "never reliably above chance" : $"position {first}";
            if (r.HasBaseline && first is { } p)
            {
                var threshold = r.Cell(best, p)!.Accuracy;
                var b = FirstBaselinePosition(r, best, threshold);
                readable += $"; the answer-letter logits reach that accuracy ({F(threshold)}) " + (b is null ? "at no position" : $"at position {b}");
            }
            Row("answer readable from", readable);
        }
        sb.Append("</table></div>");
        return sb.ToString();
    }
}
