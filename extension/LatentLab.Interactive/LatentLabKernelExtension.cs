using LatentLab.Interactive.Commands;
using LatentLab.Interactive.Formatting;
using LatentLab.Interactive.Help;
using LatentLab.Interactive.Hosting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;

namespace LatentLab.Interactive;

/// <summary>
/// The kernel extension: <c>#r "nuget: LatentLab.Interactive"</c> makes the host call <see cref="OnLoadAsync"/>.
/// It registers formatters and magic commands, lets the C# kernel use LatentLab's types, and shows a short card
/// (versions, device, what to try first). Works when loaded directly, with no current invocation context (tests).
/// </summary>
public sealed class LatentLabKernelExtension : IKernelExtension
{
    public async Task OnLoadAsync(Kernel kernel)
    {
        LatentLabFormatters.Register();
        LatentLabCommands.RegisterAll(kernel);
        AddReferences(kernel);
        // Jupyter's interrupt button sends SIGINT, which would end the whole kernel: make it a Cancel of the running cell.
        InterruptBridge.InstallForHost(kernel);
        // An interrupted command binds its partial result a moment after its cell ended: the next cell waits for it.
        PendingResults.Install(kernel);
        InterruptTrace.Watch(kernel);   // LATENTLAB_INTERRUPT_TRACE=1: where an interrupt's time goes, on stderr

        // Initialise TorchSharp now (natives fixed for this system), before any cell touches torch; a failure is
        // reported on the card instead of failing the load.
        var environment = EnvironmentStatus.Probe();

        if (KernelInvocationContext.Current is { } context)
        {
            var commands = await HelpCatalog.CollectAsync(kernel);
            context.Display(HelpPage.LoadCard(environment, commands), "text/html", "text/plain");
        }
    }

    /// <summary>
    /// Lets C# cells use result types (LatentLab, this extension, TorchSharp, DataFrame, XPlot) in the cell after a
    /// command binds them with <c>--out</c>, also when the extension was loaded without NuGet.
    /// </summary>
    static void AddReferences(Kernel kernel)
    {
        var assemblies = new[]
        {
            typeof(LatentLabKernelExtension).Assembly,
            typeof(LatentLab.Torch.TorchRuntime).Assembly,
            typeof(TorchSharp.torch).Assembly,
            typeof(Microsoft.Data.Analysis.DataFrame).Assembly,
            typeof(XPlot.Plotly.PlotlyChart).Assembly,
        }.Select(a => a.Location).Where(path => !string.IsNullOrEmpty(path)).Distinct().ToArray();

        kernel.VisitSubkernelsAndSelf(k =>
        {
            if (k is CSharpKernel csharp)
            {
                csharp.AddAssemblyReferences(assemblies);
            }
        });
    }
}
