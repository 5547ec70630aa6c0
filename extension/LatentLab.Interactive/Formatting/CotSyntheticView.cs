using LatentLab.Models;
using LatentLab.Reports;
using LatentLab.Statistics;
using static LatentLab.Reports.ReportFormat;

namespace LatentLab.Interactive.Formatting;

/// <summary>The card <c>#!cot-synthetic</c> shows: the trained model, how well it answers (with a 95% CI), where the answer gets decided, and the activation set.</summary>
public static class CotSyntheticView
{
    public static HtmlFragment Render(CotSyntheticResult r)
    {
        var set = r.Activations;
        int n = set.Count;
        var (lo, hi) = WilsonInterval.Compute(r.CorrectAnswers, n);
        var decisions = r.DecisionPositions.OrderBy(x => x).ToArray();
        var median = decisions.Length == 0 ? double.NaN : decisions[decisions.Length / 2];
        var card = new Card("Synthetic chain-of-thought model")
            .Row("model", $"{set.Layers - 1} transformer blocks, width {set.Dim}; trained in {Duration(r.TrainingTime)}, final loss {Number(r.FinalLoss, "0.000")}" +
                          (r.IsPartial ? $"; PARTIAL: training was interrupted after {r.StepsCompleted} steps, these are the partly trained model's activations" : ""))
            .Row("answers", $"{Number(r.AnswerAccuracy, "0.000")} correct on {n} held-out questions [95% CI {Number(lo, "0.000")}, {Number(hi, "0.000")}] ({r.CorrectAnswers} of {n}); " +
                            $"chance {Number(1.0 / r.Task.Choices, "0.000")} ({r.Task.Choices} options); labels = the model's own answers")
            .Row("decision", decisions.Length == 0 ? Missing :
                $"the deciding token sits at positions {decisions[0]}..{decisions[^1]} (median {Number(median, "0")}); before it the answer is not determined")
            .Row("activation set", $"N={n} questions x L={set.Layers} layers (0 = embedding) x P={set.Positions} positions (0 = BOS, {set.Positions - 1} = ANS) x D={set.Dim}; " +
                                   "baseline = answer-letter logits at every position");
        if (set.SingleClassNote is { } single) card.Note($"Note: {single}", $"Note: {Escape(single)}");
        else card.Note("Next: #!probe-sweep --activations <variable> --control",
                       "Next: <code>#!probe-sweep --activations &lt;variable&gt; --control</code>");
        return HtmlFragment.From(card.Render());
    }
}
