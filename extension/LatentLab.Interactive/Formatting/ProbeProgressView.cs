using System.Globalization;
using System.Net;
using LatentLab.Activations;
using LatentLab.Models;
using LatentLab.Probes;

namespace LatentLab.Interactive.Formatting;

/// <summary>The live progress lines of <c>#!probe-sweep</c> (cells done / total, ETA) and <c>#!cot-synthetic</c> (steps, loss, ETA).</summary>
public static class ProbeProgressView
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static HtmlFragment SweepStarting(ActivationSet set) => Line(0,
        $"Probe sweep: reading {set.Count} questions x {set.Layers} layers x {set.Positions} positions x {set.Dim} dims…");

    public static HtmlFragment Sweep(SweepProgress p) => Line(p.Fraction,
        $"Probe sweep: {p.CellsDone}/{p.CellsTotal} cells ({p.LayersDone}/{p.LayersTotal} layers), {Seconds(p.Elapsed)} elapsed, " +
        $"ETA {Eta(p.Elapsed, p.Fraction)}. {p.Message}");

    public static HtmlFragment TrainingStarting(CotSyntheticOptions o) => Line(0,
        $"cot-synthetic: training a {o.Layers}-block transformer (width {o.Width}) for {o.Steps} steps…");

    public static HtmlFragment Training(CotSyntheticProgress p) => p.Phase == "record"
        ? Line(1, $"cot-synthetic: trained {p.Steps} steps in {Seconds(p.Elapsed)}; recording activations of the held-out questions…")
        : Line((double)p.Step / p.Steps,
            $"cot-synthetic: step {p.Step}/{p.Steps}, loss {p.Loss.ToString("0.000", Inv)}, answer accuracy (last batch) " +
            $"{p.AnswerAccuracy.ToString("P0", Inv)}, {Seconds(p.Elapsed)} elapsed, ETA {Eta(p.Elapsed, (double)p.Step / p.Steps)}.");

    /// <summary>Remaining time if the rest goes at the pace so far.</summary>
    public static string Eta(TimeSpan elapsed, double fraction) =>
        fraction <= 0 ? "unknown" : fraction >= 1 ? "0 s" : Seconds(TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - fraction) / fraction));

    static string Seconds(TimeSpan t) => t.TotalSeconds < 90 ? t.TotalSeconds.ToString("0.0", Inv) + " s" : $"{(int)t.TotalMinutes} min {t.Seconds} s";

    static HtmlFragment Line(double fraction, string text)
    {
        var percent = Math.Clamp(fraction, 0, 1) * 100;
        return new HtmlFragment(
            "<div class=\"latentlab-progress\" style=\"font-family:sans-serif\">" +
            $"<progress max=\"100\" value=\"{percent.ToString("0", Inv)}\" style=\"width:240px;vertical-align:middle\"></progress> " +
            $"<span>{WebUtility.HtmlEncode(text)}</span></div>",
            text);
    }
}
