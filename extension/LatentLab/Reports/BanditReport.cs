using System.Globalization;
using System.Net;
using System.Text;
using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Statistics;

namespace LatentLab.Reports;

/// <summary>Plain HTML strings for the notebook: a summary card of a trained student and an evaluation table.</summary>
public static class BanditReport
{
    static string E(string s) => WebUtility.HtmlEncode(s);
    static string F(double v, string format = "0.00") => double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);
    static string Ci(MeanCi? m, string format = "0.00") =>
        m is null ? "–" : $"{F(m.Mean, format)} <span style=\"color:#777\">[{F(m.Low, format)}, {F(m.High, format)}]</span>";

    const string Style = "font-family:sans-serif;font-size:13px;border-collapse:collapse";
    const string Cell = "padding:3px 8px;border-bottom:1px solid #ddd;text-align:right";
    const string Head = "padding:3px 8px;border-bottom:2px solid #999;text-align:right";

    /// <summary>Summary card of a trained (or interrupted) student: config, training outcome, versions hint.</summary>
    public static string StudentCard(TrainedStudent student)
    {
        ArgumentNullException.ThrowIfNull(student);
        var o = student.Options;
        var f = student.Final;
        var sb = new StringBuilder();
        sb.Append("<div style=\"font-family:sans-serif;font-size:13px;border:1px solid #ccc;border-radius:6px;padding:8px 12px;max-width:640px\">");
        sb.Append($"<b>LSTM bandit student</b> imitating <b>{E(o.Teacher.ToString().ToLowerInvariant())}</b>");
        if (student.IsPartial)
            sb.Append($" <span style=\"color:#b00;font-weight:bold\">PARTIAL: training was interrupted after {student.StepsCompleted} of {o.Steps} steps</span>");
        sb.Append($"<table style=\"{Style};margin-top:6px\">");
        void Row(string k, string v) => sb.Append($"<tr><td style=\"padding:2px 8px;color:#555\">{E(k)}</td><td style=\"padding:2px 8px\">{v}</td></tr>");
        Row("arms (K)", o.Arms.ToString(CultureInfo.InvariantCulture));
        Row("training horizon", $"{o.TrainHorizon} pulls (never sees a later step)");
        Row("architecture", $"{E(o.Architecture.ToString())} LSTM, hidden {o.Hidden}, layers {o.Layers}" +
                            $"{(o.HeadHidden > 0 ? $", MLP head {o.HeadHidden}" : ", linear head")}" +
                            $"{(o.Architecture == StudentArchitecture.Joint && o.TimeInput ? ", t/H input" : "")}" +
                            $"{(o.Architecture == StudentArchitecture.PerArm && o.InverseTimeInput ? ", 1/(t+1) clock input" : "")}");
        if (o.Architecture == StudentArchitecture.PerArm && o.MinTrainArms >= 2 && o.MinTrainArms < o.Arms)
            Row("training bandits", $"K drawn from {o.MinTrainArms}..{o.Arms} per step (the per-arm LSTM plays any K)");
        if (o.UsesWarmStarts)
            Row("ABLATION", "<span style=\"color:#b00\">warm starts: the student saw states past its training horizon (not a legal answer)</span>");
        if (o.UsesIndexLoss)
            Row("loss", $"cross-entropy on UCB1's choice + {F(o.IndexLossWeight, "0.##")} × cross-entropy to softmax({F(o.IndexScale, "0.##")} × UCB1 index)");
        if (o.AverageDecay > 0)
            Row("weights", $"moving average over the steps (decay {F(o.AverageDecay, "0.####")} per step)");
        Row("training", $"{(o.Dagger ? $"DAgger (teacher share 1 → {F(o.TeacherMixFinal)} over {F(100 * o.TeacherMixSteps, "0")}% of steps)" : "behaviour cloning")}, " +
                        $"{student.StepsCompleted}/{o.Steps} steps × {o.Batch} episodes, lr {F(o.LearningRate, "0.####")}, seed {o.Seed}");
        Row("time", $"{F(student.TrainingTime.TotalSeconds, "0.0")} s on {E(student.Device.ToString())}");
        if (f is not null)
            Row("final", $"loss {F(f.Loss, "0.000")}, agreement with teacher {F(f.Agreement, "0.000")} (on training episodes)");
        sb.Append("</table>");
        sb.Append("<div style=\"color:#777;margin-top:4px\">Evaluate it against UCB1, Thompson and greedy on fresh episodes; agreement here is on training-length episodes only.</div></div>");
        return sb.ToString();
    }

    /// <summary>
    /// Evaluation table: for every policy, regret at the training horizon and at the end, regret after H alone and
    /// agreement with UCB1 before/after H, each with its 95% CI; plus the paired student-minus-UCB1 difference.
    /// </summary>
    public static string EvaluationTable(BanditEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        int h = evaluation.TrainHorizon, t = evaluation.Horizon;
        var sb = new StringBuilder();
        sb.Append($"<div style=\"font-family:sans-serif;font-size:13px\"><b>Bandit evaluation</b>: K={evaluation.Arms}, {evaluation.Episodes} fresh episodes " +
                  $"(same bandits and reward draws for every policy), horizon {t}, training horizon {h}. Mean over episodes with 95% CI.");
        if (t < h) sb.Append($" <span style=\"color:#b60\">Note: the horizon {t} is shorter than the training horizon {h}, so nothing after it is shown.</span>");
        sb.Append($"<table style=\"{Style};margin-top:6px\"><tr><th style=\"{Head};text-align:left\">policy</th>");
        sb.Append($"<th style=\"{Head}\">regret at {h}</th><th style=\"{Head}\">regret at {t}</th><th style=\"{Head}\">regret in {h + 1}–{t}</th>" +
                  $"<th style=\"{Head}\">agreement with UCB1 1–{Math.Min(h, t)}</th><th style=\"{Head}\">agreement with UCB1 {h + 1}–{t}</th></tr>");
        foreach (var s in evaluation.Summaries)
        {
            bool student = s.Policy == PolicyNames.Student;
            sb.Append($"<tr{(student ? " style=\"font-weight:bold\"" : "")}><td style=\"{Cell};text-align:left\">{E(s.Policy)}</td>");
            sb.Append($"<td style=\"{Cell}\">{Ci(s.RegretAtTrainHorizon)}</td><td style=\"{Cell}\">{Ci(s.RegretAtEnd)}</td><td style=\"{Cell}\">{Ci(s.RegretAfterTrainHorizon)}</td>");
            sb.Append($"<td style=\"{Cell}\">{Ci(s.AgreementBefore, "0.000")}</td><td style=\"{Cell}\">{Ci(s.AgreementAfter, "0.000")}</td></tr>");
        }
        sb.Append("</table>");
        if (evaluation.StudentVsUcb1 is { } d)
        {
            var atEnd = d.At(t);
            double ucb = evaluation.Summary(PolicyNames.Ucb1).RegretAtEnd.Mean;
            sb.Append($"<div style=\"margin-top:4px\">Student − UCB1 at step {t} (paired by episode): {Ci(atEnd)} " +
                      $"({F(100 * atEnd.Mean / ucb, "+0.0;-0.0")}% of UCB1's regret)");
            if (h <= t) sb.Append($"; at step {h}: {Ci(d.At(h))}");
            sb.Append(".</div>");
        }
        sb.Append("<div style=\"color:#777;margin-top:4px\">UCB1 over-explores at these horizons: Thompson and greedy show what lower regret looks like. " +
                  "Agreement: the policy acts, UCB1 labels the state it reached (ties count as agreement).</div></div>");
        return sb.ToString();
    }
}
