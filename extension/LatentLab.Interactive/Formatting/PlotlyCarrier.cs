using LatentLab.Reports;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// For outputs that are replaced while they run (live charts): plotly.js must not sit inside them (4.8 MB per update,
/// and gone from the page once replaced), so before the first such chart of a session it is shown once in an output
/// of its own, which stays in the notebook and its static exports.
/// </summary>
public static class PlotlyCarrier
{
    /// <summary>Displays plotly.js (invisible) if no LatentLab chart of this kernel session carried it yet.</summary>
    public static void EnsureLoaded(KernelInvocationContext context)
    {
        if (ChartSession.ClaimPlotlyJs())
        {
            context.DisplayAs(PlotlyJs.ScriptTag(), "text/html");
        }
    }
}
