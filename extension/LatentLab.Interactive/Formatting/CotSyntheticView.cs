using System.Globalization;
using System.Net;
using System.Text;
using LatentLab.Models;
using LatentLab.Probes;
using LatentLab.Statistics;

namespace LatentLab.Interactive.Formatting;

/// <summary>The card <c>#!cot-synthetic</c> shows: the trained model, how well it answers (with a 95% CI), where the answer gets decided, and the activation set.</summary>
public static class CotSyntheticView
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static HtmlFragment Render(CotSyntheticResult r)
    {
        var set = r.Activations;
        int n = set.Count;
        var correct = (long)Math.Round(r.AnswerAccuracy * n);
        var (lo, hi) = WilsonInterval.Compute(correct, n);
        var decisions = r.DecisionPositions.OrderBy(x => x).ToArray();
        var median = decisions.Length == 0 ? double.NaN : decisions[decisions.Length / 2];
        var rows = new (string Key, string Value)[]
        {
            ("model", $"{set.Layers - 1} transformer blocks, width {set.Dim}; trained in {r.TrainingTime.TotalSeconds.ToString("0.0", Inv)} s, final loss {r.FinalLoss.ToString("0.000", Inv)}" +
                      (r.IsPartial ? $"; PARTIAL: training was interrupted after {r.StepsCompleted} steps, these are the partly trained model's activations" : "")),
            ("answers", $"{r.AnswerAccuracy.ToString("0.000", Inv)} correct on {n} held-out questions [95% CI {lo.ToString("0.000", Inv)}, {hi.ToString("0.000", Inv)}]; " +
                        $"chance {(1.0 / r.Task.Choices).ToString("0.000", Inv)} ({r.Task.Choices} options); labels = the model's own answers"),
            ("decision", decisions.Length == 0 ? "n/a" :
                $"the deciding token sits at positions {decisions[0]}..{decisions[^1]} (median {median.ToString("0", Inv)}); before it the answer is not determined"),
            ("activation set", $"N={n} questions x L={set.Layers} layers (0 = embedding) x P={set.Positions} positions (0 = BOS, {set.Positions - 1} = ANS) x D={set.Dim}; " +
                               "baseline = answer-letter logits at every position"),
        };
        var html = new StringBuilder("<div class=\"latentlab-card\" style=\"font-family:sans-serif;border:1px solid #ccc;border-radius:6px;padding:10px 14px;max-width:760px\">");
        html.Append("<div style=\"font-weight:bold;font-size:1.1em\">Synthetic chain-of-thought model</div><table style=\"margin-top:6px\">");
        foreach (var (key, value) in rows)
        {
            html.Append("<tr><td style=\"padding-right:12px;color:#555;text-align:left\">").Append(WebUtility.HtmlEncode(key))
                .Append("</td><td style=\"text-align:left\">").Append(WebUtility.HtmlEncode(value)).Append("</td></tr>");
        }
        html.Append("</table><div style=\"margin-top:6px\">Next: <code>#!probe-sweep --activations &lt;variable&gt; --control</code></div></div>");
        var text = "Synthetic chain-of-thought model\n" + string.Join("\n", rows.Select(x => $"  {x.Key}: {x.Value}"));
        return new HtmlFragment(html.ToString(), text);
    }
}
