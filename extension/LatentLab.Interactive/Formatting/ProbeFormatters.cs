using LatentLab.Activations;
using LatentLab.Probes;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive.Formatting;

namespace LatentLab.Interactive.Formatting;

/// <summary>Formatters for probe results: a sweep shows its summary and charts, an activation set its shape and sources.</summary>
public static class ProbeFormatters
{
    public static void Register()
    {
        Formatter.Register<ProbeSweepResult>((result, writer) => writer.Write(ProbeSweepView.Html(result)), HtmlFormatter.MimeType);
        Formatter.Register<ProbeSweepResult>((result, writer) => writer.Write(ProbeSweepView.Text(result)), PlainTextFormatter.MimeType);
        Formatter.Register<ActivationSet>((set, writer) =>
            writer.Write($"<div class=\"latentlab-activations\"><code>{ReportFormat.Escape(set.ToString())}</code></div>"), HtmlFormatter.MimeType);
        Formatter.Register<ActivationSet>((set, writer) => writer.Write(set.ToString()), PlainTextFormatter.MimeType);
    }
}
