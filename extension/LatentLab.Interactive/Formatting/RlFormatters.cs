using System.Text;
using LatentLab.Reinforcement;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive.Formatting;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// How RL lab results look in a notebook. Every piece comes from LatentLab (<see cref="RlReport"/>, <see cref="RlCharts"/>);
/// this only puts them together. A baked reference: its card. A run: its card, the behaviour rates over RL steps and the KL
/// to the reference, each with 95% CI bands across seeds.
/// </summary>
public static class RlFormatters
{
    /// <summary>Registers the HTML and plain-text formatters of <see cref="BakedReference"/>, <see cref="RlRun"/> and <see cref="RlGrid"/>.</summary>
    public static void Register()
    {
        Formatter.Register<BakedReference>((r, writer) => writer.Write(RlReport.Bake(r).Html), HtmlFormatter.MimeType);
        Formatter.Register<BakedReference>((r, writer) => writer.Write(RlReport.Bake(r).Text), PlainTextFormatter.MimeType);
        Formatter.Register<RlRun>((run, writer) => writer.Write(RunHtml(run)), HtmlFormatter.MimeType);
        Formatter.Register<RlRun>((run, writer) => writer.Write(RlReport.Run(run).Text), PlainTextFormatter.MimeType);
        Formatter.Register<RlGrid>((grid, writer) => writer.Write(RlReport.Grid(grid).Html +
            (grid.Points.Count == 0 ? "" : ChartSession.ToHtml(RlCharts.Grid(grid)) + ChartSession.ToHtml(RlCharts.Grid(grid, AlignmentMetrics.Evil)))), HtmlFormatter.MimeType);
        Formatter.Register<RlGrid>((grid, writer) => writer.Write(RlReport.Grid(grid).Text), PlainTextFormatter.MimeType);
    }

    /// <summary>The run's card, then the rates chart and the KL chart (when at least one evaluation was recorded).</summary>
    public static string RunHtml(RlRun run)
    {
        var html = new StringBuilder(RlReport.Run(run).Html);
        if (run.Rows.Count == 0) return html.ToString();
        html.Append(ChartSession.ToHtml(RlCharts.Rates(run)));
        html.Append(ChartSession.ToHtml(RlCharts.Kl(run)));
        return html.ToString();
    }
}
