using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// Decides which chart carries plotly.js: the first one displayed in each kernel session (per root kernel), like
/// plotly.py's offline mode. A chart formatted outside any kernel command (no way to know what came before) always
/// carries it.
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
}
