using System.Globalization;
using LatentLab.Options;
using LatentLab.Perturbation;

namespace LatentLab.Reports;

/// <summary>The s50 table of one or more perturbation curves (compared on the same draws): HTML and text from one <see cref="Table"/>.</summary>
public static class PerturbationReport
{
    /// <summary>Per model and metric: clean value, chance floor, s50 with its 95% bootstrap CI, and the specificity ratio.</summary>
    public static Rendered Summary(IReadOnlyList<PerturbationCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("No perturbation curve to summarise.", nameof(curves));
        var table = new Table("model", "metric", "clean", "chance", "s50 [95% CI]", "specificity [95% CI]");
        foreach (var c in curves)
        {
            foreach (var m in c.Metrics)
            {
                var h = c.Halfway(m);
                var r = c.SpecificityRatio(m);
                string s50 = double.IsNaN(h.Value) ? h.Status.ToString() : $"{N(h.Value, "0.####")} [{N(h.Low, "0.####")}, {N(h.High, "0.####")}]";
                string spec = double.IsNaN(r.Ratio) ? "" : $"{N(r.Ratio, "0.###")} [{N(r.Low, "0.###")}, {N(r.High, "0.###")}]";
                table.AddRow(c.Model, m, N(h.Clean, "0.###"), N(h.Chance, "0.###"), s50, spec);
            }
        }
        var head = curves[0];
        var seeds = head.TrainingSeeds > 1 ? $"{head.TrainingSeeds} training seeds x {head.NoiseSeeds} noise seeds" : $"{head.Seeds} seeds";
        var over = string.Join("; ", curves.Select(c => c.CiOver).Distinct());
        var caption = $"{head.Perturbation}: {head.Grid.Count} noise scales x {seeds}" + (curves.Any(c => c.IsPartial) ? " (PARTIAL)" : "") +
                      $"; s50 = noise at which a metric is halfway from clean to chance (95% bootstrap CI over {over}); " +
                      $"specificity = s50 / s50({head.CapabilityMetric}).";
        var rendered = table.Render();
        return new Rendered($"<div style=\"font-family:sans-serif;font-size:13px\">{ReportFormat.Escape(caption)}{rendered.Html}</div>",
            caption + "\n" + rendered.Text);
    }

    /// <summary>
    /// Per attacked model: k50 of the target metric [95% CI] under the attack and under benign fine-tuning (the control),
    /// the target metric and the capability at the largest k (mean [95% t-CI] over demonstration sets), for each run.
    /// </summary>
    public static Rendered FineTuneSummary(IReadOnlyList<FineTuneAttackResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) throw new ArgumentException("No fine-tuning attack to summarise.", nameof(results));
        var table = new Table("model", "run", "target metric", "clean", "demonstrated", "k50 [95% CI]", "target at max k [95% CI]", "capability at max k [95% CI]");
        foreach (var r in results)
            foreach (var c in new[] { r.Attack, r.Control })
            {
                var h = c.Halfway(r.TargetMetric);
                string k50 = double.IsNaN(h.Value) ? h.Status.ToString() : $"{N(h.Value, "0.##")} [{N(h.Low, "0.##")}, {N(h.High, "0.##")}]";
                string AtEnd(string metric)
                {
                    if (c.Grid.Count == 0) return "";
                    var m = c.MeanCurve(metric)[^1];
                    return $"{N(m.Mean, "0.###")} [{N(m.Low, "0.###")}, {N(m.High, "0.###")}]";
                }
                table.AddRow(c.Model, c == r.Attack ? "attack" : "control (benign)", r.TargetMetric, N(h.Clean, "0.###"), N(r.TargetValue, "0.###"), k50,
                    AtEnd(r.TargetMetric), AtEnd(c.CapabilityMetric));
            }
        var head = results[0];
        var o = head.Options;
        var caption = $"Fine-tuning attack {(o.Target is { } t ? Knob.Kebab(t.ToString()) : "")} against the control ({head.ControlDescription}): n = {o.Demonstrations} demonstrations, k = {string.Join(", ", o.StepGrid())} Adam steps (lr {o.LearningRate}), " +
                      $"{head.Attack.NoiseSeeds} demonstration sets" + (head.Attack.TrainingSeeds > 1 ? $" x {head.Attack.TrainingSeeds} training seeds" : "") +
                      (results.Any(x => x.Attack.IsPartial || x.Control.IsPartial) ? " (PARTIAL)" : "") +
                      $"; k50 = steps until the target metric is halfway from clean to the demonstrated value (95% bootstrap CI over {(head.Attack.TrainingSeeds > 1 ? $"training seeds ({head.Attack.TrainingSeeds}), then demonstration sets ({head.Attack.NoiseSeeds}) within each (hierarchical bootstrap)" : $"demonstration sets ({head.Attack.NoiseSeeds})")}); " +
                      $"capability = {head.Attack.CapabilityMetric}. A control that moves the target as fast says the network, not the behaviour, is fragile.";
        var rendered = table.Render();
        return new Rendered($"<div style=\"font-family:sans-serif;font-size:13px\">{ReportFormat.Escape(caption)}{rendered.Html}</div>",
            caption + "\n" + rendered.Text);
    }

    static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
