using LatentLab.Probes;
using static LatentLab.Reports.ReportFormat;

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

    /// <summary>The summary card (HTML and text).</summary>
    public static Rendered Summary(ProbeSweepResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        string F(double v) => Number(v, "0.000");
        var card = new Card("Probe sweep").Flag(r.IsPartial ? "(partial: interrupted)" : null).Subtitle(r.Source);
        card.Row("questions", $"{r.Questions} ({r.ClassNames.Count} classes: {string.Join(", ", r.ClassNames)}); chance (majority class) {F(r.ChanceAccuracy)}");
        card.Row("cells", $"{r.Cells.Count} finished of {r.Layers.Count * r.Positions.Count} ({r.CompletedLayers.Count}/{r.Layers.Count} layers x {r.Positions.Count} positions)");
        card.Row("probe", $"L2 logistic regression (C = {Number(r.Options.C, "G")}) on standardised features, {r.Options.Folds}-fold CV" +
            (r.Options.Control ? ", control task" : "") + $", seed {r.Options.Seed}; {Number(r.Elapsed.TotalSeconds)} s on {r.Device}" +
            (double.IsNaN(r.ConvergedFraction) ? "" : $"; converged {Number(100 * r.ConvergedFraction, "0.0")}%"));
        if (r.Cells.Count > 0)
        {
            var top = r.Cells.MaxBy(c => c.Accuracy)!;
            int best = r.BestLayer;
            card.Row("best cell", $"layer {top.Layer}, position {top.Position}: accuracy {F(top.Accuracy)} [95% CI {F(top.AccuracyCiLow)}, {F(top.AccuracyCiHigh)}], " +
                $"control {F(top.ControlAccuracy)}, selectivity {F(top.Selectivity)}, answer-letter logits {F(top.BaselineAccuracy)}");
            var first = FirstReadablePosition(r, best);
            card.Row("best layer", $"{best} (mean accuracy over positions {F(r.Cells.Where(c => c.Layer == best).Average(c => c.Accuracy))})");
            var readable = first is null ? "never reliably above chance" : $"position {first}";
            if (r.HasBaseline && first is { } p)
            {
                var threshold = r.Cell(best, p)!.Accuracy;
                var b = FirstBaselinePosition(r, best, threshold);
                readable += $"; the answer-letter logits reach that accuracy ({F(threshold)}) " + (b is null ? "at no position" : $"at position {b}");
            }
            card.Row("answer readable from", readable);
        }
        return card.Render();
    }

    /// <summary>The summary card as an HTML fragment.</summary>
    public static string SummaryHtml(ProbeSweepResult r) => Summary(r).Html;
}
