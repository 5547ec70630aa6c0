using System.Text;
using LatentLab.Bandits;
using LatentLab.Imitation;
using static LatentLab.Reports.ReportFormat;

namespace LatentLab.Reports;

/// <summary>The bandit results as report parts: a summary card of a trained student and the evaluation table (HTML and text).</summary>
public static class BanditReport
{
    /// <summary>Summary card of a trained (or interrupted) student: config, training outcome.</summary>
    public static Rendered Student(TrainedStudent student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var o = student.Options;
        var f = student.Final;
        var card = new Card($"LSTM bandit student imitating {o.Teacher.ToString().ToLowerInvariant()}")
            .Flag(student.IsPartial ? $"PARTIAL: training was interrupted after {student.StepsCompleted} of {o.Steps} steps" : null);
        card.Row("arms (K)", Number(o.Arms));
        card.Row("training horizon", $"{o.TrainHorizon} pulls (never sees a later step)");
        card.Row("architecture", $"{o.Architecture} LSTM, hidden {o.Hidden}, layers {o.Layers}" +
                                 $"{(o.HeadHidden > 0 ? $", MLP head {o.HeadHidden}" : ", linear head")}" +
                                 $"{(o.Architecture == StudentArchitecture.Joint && o.TimeInput ? ", t/H input" : "")}" +
                                 $"{(o.Architecture == StudentArchitecture.PerArm && o.InverseTimeInput ? ", 1/(t+1) clock input" : "")}");
        if (o.DrawsTrainArms)
            card.Row("training bandits", $"K drawn from {o.MinTrainArms}..{o.TrainArmsHigh} per step (the per-arm LSTM plays any K)");
        else if (o.Architecture == StudentArchitecture.PerArm && o.MinTrainArms >= 2 && o.TrainArmsHigh != o.Arms)
            card.Row("training bandits", $"K = {o.TrainArmsHigh} in every step (the per-arm LSTM plays any K)");
        if (o.UsesIndexLoss)
            card.Row("loss", $"cross-entropy on UCB1's choice + {Number(o.IndexLossWeight, "0.##")} × cross-entropy to softmax({Number(o.IndexScale, "0.##")} × UCB1 index)");
        if (o.AverageDecay > 0)
            card.Row("weights", $"moving average over the steps (decay {Number(o.AverageDecay, "0.####")} per step)");
        card.Row("training", $"{(o.Dagger ? $"DAgger (teacher share 1 → {Number(o.TeacherMixFinal)} over {Number(100 * o.TeacherMixSteps, "0")}% of steps)" : "behaviour cloning")}, " +
                             $"{student.StepsCompleted}/{o.Steps} steps × {o.Batch} episodes, lr {Number(o.LearningRate, "0.####")}, seed {o.Seed}");
        card.Row("time", $"{Duration(student.TrainingTime)} on {student.Device}");
        if (f is not null)
            card.Row("final", $"loss {Number(f.Loss, "0.000")}, agreement with teacher {Number(f.Agreement, "0.000")} (on training episodes)");
        card.Note("Evaluate it against UCB1, Thompson and greedy on fresh episodes; agreement here is on training-length episodes only.");
        return card.Render();
    }

    /// <summary>The student's summary card as HTML.</summary>
    public static string StudentCard(TrainedStudent student) => Student(student).Html;

    /// <summary>
    /// Evaluation table: for every policy, regret at the training horizon and at the end, regret after H alone and
    /// agreement with UCB1 before/after H, each with its 95% CI; plus the paired student-minus-UCB1 difference.
    /// </summary>
    public static Rendered Evaluation(BanditEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        int h = evaluation.TrainHorizon, t = evaluation.Horizon;
        string intro = $"K={evaluation.Arms}, {evaluation.Episodes} fresh episodes (same bandits and reward draws for every policy), " +
                    $"horizon {t}, training horizon {h}. Mean over episodes with 95% CI.";
        var shorter = t < h ? $"Note: the horizon {t} is shorter than the training horizon {h}, so nothing after it is shown." : null;
        var table = new Table("policy", $"regret at {h}", $"regret at {t}", $"regret in {h + 1}–{t}",
            $"agreement with UCB1 1–{Math.Min(h, t)}", $"agreement with UCB1 {h + 1}–{t}");
        foreach (var s in evaluation.Summaries)
        {
            table.AddRow(s.Policy == StudentPolicy.PolicyName, s.Policy, TableCell.Ci(s.RegretAtTrainHorizon), TableCell.Ci(s.RegretAtEnd),
                TableCell.Ci(s.RegretAfterTrainHorizon), TableCell.Ci(s.AgreementBefore, "0.000"), TableCell.Ci(s.AgreementAfter, "0.000"));
        }
        var rendered = table.Render();
        string? differenceText = null, differenceHtml = null;
        if (evaluation.StudentVsUcb1 is { } d)
        {
            var atEnd = d.At(t);
            double ucb = evaluation.Summary(PolicyNames.Ucb1).RegretAtEnd.Mean;
            var share = $" ({Number(100 * atEnd.Mean / ucb, "+0.0;-0.0")}% of UCB1's regret)";
            differenceText = $"Student − UCB1 at step {t} (paired by episode): {CiText(atEnd)}{share}" + (h <= t ? $"; at step {h}: {CiText(d.At(h))}." : ".");
            differenceHtml = $"Student − UCB1 at step {t} (paired by episode): {CiHtml(atEnd)}{Escape(share)}" + (h <= t ? $"; at step {h}: {CiHtml(d.At(h))}." : ".");
        }
        const string note = "UCB1 over-explores at these horizons: Thompson and greedy show what lower regret looks like. " +
                            "Agreement: the policy acts, UCB1 labels the state it reached (ties count as agreement).";

        if (evaluation.IsPartial)
            intro = $"PARTIAL: interrupted after {evaluation.Curves.Count} policies ({string.Join(", ", evaluation.Curves.Select(c => c.Policy))}). " + intro;
        var html = new StringBuilder($"<div style=\"font-family:sans-serif;font-size:13px\"><b>Bandit evaluation</b>: {Escape(intro)}");
        if (shorter is not null) html.Append($" <span style=\"color:{Palette.Caution}\">{Escape(shorter)}</span>");
        html.Append(rendered.Html);
        if (differenceHtml is not null) html.Append($"<div style=\"margin-top:4px\">{differenceHtml}</div>");
        html.Append($"<div style=\"color:{Palette.Faint};margin-top:4px\">{Escape(note)}</div></div>");

        var text = new StringBuilder($"Bandit evaluation: {intro}\n");
        if (shorter is not null) text.Append(shorter).Append('\n');
        text.Append(rendered.Text);
        if (differenceText is not null) text.Append('\n').Append(differenceText);
        return new Rendered(html.ToString(), text.ToString());
    }

    /// <summary>The evaluation table as HTML.</summary>
    public static string EvaluationTable(BanditEvaluation evaluation) => Evaluation(evaluation).Html;
}
