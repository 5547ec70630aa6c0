using LatentLab.Reports;
using Microsoft.DotNet.Interactive.Formatting;
using TorchSharp;
using XPlot.Plotly;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// The notebook formatters LatentLab adds; each calls one LatentLab function. DataFrames are left to
/// Microsoft.Data.Analysis's own formatter.
/// </summary>
public static class LatentLabFormatters
{
    /// <summary>Registers the formatters (process-wide, as .NET Interactive's formatters are).</summary>
    public static void Register()
    {
        Formatter.Register<HtmlFragment>((fragment, writer) => writer.Write(fragment.Html), HtmlFormatter.MimeType);
        Formatter.Register<HtmlFragment>((fragment, writer) => writer.Write(fragment.Text), PlainTextFormatter.MimeType);

        Formatter.Register<torch.Tensor>((tensor, writer) => writer.Write(TensorRepr.Format(tensor)), PlainTextFormatter.MimeType);
        Formatter.Register<torch.Tensor>((tensor, writer) =>
            writer.Write($"<pre class=\"latentlab-tensor\">{ReportFormat.Escape(TensorRepr.Format(tensor))}</pre>"), HtmlFormatter.MimeType);

        Formatter.Register<PlotlyChart>((chart, writer) => writer.Write(ChartSession.ToHtml(chart)), HtmlFormatter.MimeType);
        Formatter.Register<PlotlyChart>((chart, writer) =>
            writer.Write($"PlotlyChart ({chart.Width}x{chart.Height}); shown as a plot in notebooks (text/html)."), PlainTextFormatter.MimeType);

        BanditFormatters.Register();
        ProbeFormatters.Register();
        RlFormatters.Register();
    }
}
