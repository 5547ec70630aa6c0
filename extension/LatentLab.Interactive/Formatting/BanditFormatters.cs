using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive.Formatting;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// How bandit results look in a notebook. Every piece comes from LatentLab (<see cref="BanditReport"/>,
/// <see cref="BanditCharts"/>, <see cref="ChartHtml"/>); this only puts them together.
/// A trained student: its summary card and training curves. An evaluation: the regret and agreement table (95% CIs)
/// and the cumulative-regret chart with CI bands and the training horizon marked.
/// </summary>
public static class BanditFormatters
{
    /// <summary>Registers the HTML and plain-text formatters of <see cref="TrainedStudent"/> and <see cref="BanditEvaluation"/>.</summary>
    public static void Register()
    {
        Formatter.Register<TrainedStudent>((student, writer) => writer.Write(StudentHtml(student)), HtmlFormatter.MimeType);
        Formatter.Register<TrainedStudent>((student, writer) => writer.Write(student.ToString()), PlainTextFormatter.MimeType);
        Formatter.Register<BanditEvaluation>((evaluation, writer) => writer.Write(EvaluationHtml(evaluation)), HtmlFormatter.MimeType);
        Formatter.Register<BanditEvaluation>((evaluation, writer) => writer.Write(EvaluationText(evaluation)), PlainTextFormatter.MimeType);
    }

    /// <summary>Summary card plus the loss/agreement curves (when there are at least two points).</summary>
    public static string StudentHtml(TrainedStudent student)
    {
        var html = BanditReport.StudentCard(student);
        if (student.History.Count >= 2)
        {
            html += ChartHtml.ToHtml(BanditCharts.TrainingCurves(student), ChartSession.ClaimPlotlyJs());
        }
        return html;
    }

    /// <summary>The evaluation table and the cumulative-regret chart (mean, 95% CI bands, dashed line at the training horizon).</summary>
    public static string EvaluationHtml(BanditEvaluation evaluation) =>
        BanditReport.EvaluationTable(evaluation) + ChartHtml.ToHtml(BanditCharts.CumulativeRegret(evaluation), ChartSession.ClaimPlotlyJs());

    /// <summary>The same table as text: one line per policy.</summary>
    public static string EvaluationText(BanditEvaluation evaluation) => BanditReport.Evaluation(evaluation).Text;
}
