using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Hosting;

/// <summary>
/// Where the time between an interrupt and the end of its cell goes, for diagnosis: with <c>LATENTLAB_INTERRUPT_TRACE=1</c>
/// in the kernel's environment every step of an interrupt (the SIGINT, the Cancel sent to the kernel, the command's
/// cancellation callback, the science returning, the partial result bound, the cell closed) writes one line to stderr
/// (the kernel's log in Jupyter) with the seconds since the interrupt began and the thread pool's state. Off by default:
/// then <see cref="Mark"/> costs one field read.
/// </summary>
public static class InterruptTrace
{
    /// <summary>The environment variable that switches the trace on (<c>1</c>, <c>on</c> or <c>true</c>).</summary>
    public const string SettingVariable = "LATENTLAB_INTERRUPT_TRACE";

    static readonly Stopwatch Clock = Stopwatch.StartNew();
    static long _startTicks = -1;

    /// <summary>Whether the trace writes (read once, from <see cref="SettingVariable"/>; tests may set it).</summary>
    public static bool Enabled { get; set; } =
        Environment.GetEnvironmentVariable(SettingVariable)?.Trim().ToLowerInvariant() is "1" or "on" or "true";

    /// <summary>
    /// Where the lines go: the process's stderr itself unless a test redirects them (not <see cref="Console.Error"/>, which
    /// dotnet-interactive turns into the running cell's output).
    /// </summary>
    public static TextWriter Output { get; set; } = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true });

    /// <summary>Starts a new interrupt's clock (at the SIGINT, or at a Cancel that did not come from one) and marks it.</summary>
    public static void Begin(string what)
    {
        if (!Enabled) return;
        Interlocked.Exchange(ref _startTicks, Clock.ElapsedTicks);
        Mark(what);
    }

    /// <summary>
    /// When <see cref="Enabled"/>: marks every Cancel that reaches <paramref name="kernel"/> (starting the clock unless a SIGINT
    /// just did) and the end of every top-level command (the cell), which is when the host tells the notebook the cell is done.
    /// </summary>
    public static void Watch(Kernel kernel)
    {
        if (!Enabled) return;
        kernel.AddMiddleware(async (command, context, next) =>
        {
            if (command is Cancel)
            {
                var start = Interlocked.Read(ref _startTicks);
                if (start < 0 || (Clock.ElapsedTicks - start) / (double)Stopwatch.Frequency > 5) Begin("Cancel received (no SIGINT before it)");
                else Mark("Cancel enters the kernel's pipeline");
            }
            await next(command, context).ConfigureAwait(false);
        });
        kernel.KernelEvents.Subscribe(new EventMarker());
    }

    sealed class EventMarker : IObserver<KernelEvent>
    {
        public void OnNext(KernelEvent e)
        {
            if (e.Command?.Parent is not null) return;
            switch (e)
            {
                case CommandFailed failed:
                    Mark($"{Describe(e.Command)} ended: CommandFailed '{Shorten(failed.Message)}'");
                    break;
                case CommandSucceeded:
                    Mark($"{Describe(e.Command)} ended: CommandSucceeded");
                    break;
            }
        }

        public void OnError(Exception error) { }
        public void OnCompleted() { }

        static string Describe(KernelCommand? command) => command switch
        {
            SubmitCode submit => $"cell '{Shorten(submit.Code)}'",
            null => "a command",
            _ => command.GetType().Name,
        };

        static string Shorten(string? text) =>
            text is null ? "" : (text.Length <= 60 ? text : text[..60] + "...").ReplaceLineEndings(" ");
    }

    /// <summary>Writes <paramref name="what"/> with the seconds since <see cref="Begin"/> (nothing unless <see cref="Enabled"/>).</summary>
    public static void Mark(string what)
    {
        if (!Enabled) return;
        var start = Interlocked.Read(ref _startTicks);
        var seconds = start < 0 ? double.NaN : (Clock.ElapsedTicks - start) / (double)Stopwatch.Frequency;
        ThreadPool.GetAvailableThreads(out var availableWorkers, out _);
        ThreadPool.GetMaxThreads(out var maxWorkers, out _);
        var line = FormattableString.Invariant(
            $"[latentlab interrupt +{seconds:F3} s] {what} (thread {Environment.CurrentManagedThreadId}, pool {ThreadPool.ThreadCount} threads, {maxWorkers - availableWorkers} busy, {ThreadPool.PendingWorkItemCount} queued)");
        lock (Output)
        {
            Output.WriteLine(line);
            Output.Flush();
        }
    }
}
