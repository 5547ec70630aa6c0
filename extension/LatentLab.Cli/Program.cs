using System.Runtime.InteropServices;

namespace LatentLab.Cli;

/// <summary>The <c>latentlab</c> entry point: wires Ctrl-C / SIGINT and SIGTERM to a clean stop, then runs <see cref="CliApp"/>.</summary>
public static class Program
{
    /// <summary>Exit code: see <see cref="ExitCodes"/>.</summary>
    public static async Task<int> Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        // The first Ctrl-C stops the run cleanly (the partial result is written); a second one ends the process at once.
        Console.CancelKeyPress += (_, e) =>
        {
            if (interrupt.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine("latentlab: stopping after the current step (Ctrl-C again to quit at once)…");
            interrupt.Cancel();
        };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            interrupt.Cancel();
        });
        return await CliApp.RunAsync(args, Console.Out, Console.Error, interrupt.Token, errorIsTerminal: !Console.IsErrorRedirected);
    }
}
