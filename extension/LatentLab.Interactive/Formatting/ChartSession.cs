using System.Runtime.CompilerServices;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive;
using XPlot.Plotly;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// Decides which chart carries plotly.js: the first one displayed in each kernel session (per root kernel), like
/// plotly.py's offline mode. A chart formatted outside any kernel command (no way to know what came before) always
/// carries it. Put charts in outputs that stay (a result's display), not in a <see cref="Commands.LiveDisplay{T}"/>:
/// an update replaces the output, and with it plotly.js if that output carried it.
/// </summary>
public static class ChartSession
{
    static readonly ConditionalWeakTable<Kernel, object> KernelsWithPlotly = new();

    /// <summary>True the first time it is asked for the current root kernel, false afterwards.</summary>
    public static bool ClaimPlotlyJs()
    {
        if (KernelInvocationContext.Current?.HandlingKernel?.RootKernel is not { } root)
        {
            return true;
        }
        return KernelsWithPlotly.TryAdd(root, new object());
    }

    /// <summary>
    /// A chart's HTML for a command's own output (e.g. a result formatter that shows a table and a chart): carries
    /// plotly.js when it is the first chart of the session, like the PlotlyChart formatter.
    /// </summary>
    public static string ToHtml(PlotlyChart chart) => ChartHtml.ToHtml(chart, ClaimPlotlyJs());
}
