using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// The LatentLab commands still running after their cell ended. An interrupt ends a cell at once (the kernel stops
/// waiting for it), while the command goes on for a moment to keep what it computed: it stops at its next check, then
/// records and binds the partial result (<c>#!cot-synthetic</c> records its partly trained model's activations, about a
/// second). A cell run right after the interrupt must see that result, so <see cref="Install"/> makes every new cell wait
/// for the commands still finishing (at most <see cref="MaxWait"/>) before it runs.
/// </summary>
public static class PendingResults
{
    /// <summary>How long a new cell waits for interrupted commands to bind their partial results before it runs anyway.</summary>
    public static TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(120);

    static readonly object Gate = new();
    static readonly HashSet<Task> Running = [];

    /// <summary>Commands still running (interrupted or not).</summary>
    public static int Count
    {
        get { lock (Gate) return Running.Count; }
    }

    /// <summary>Tracks <paramref name="work"/> until it ends; returns it.</summary>
    public static Task Track(Task work)
    {
        lock (Gate) Running.Add(work);
        _ = work.ContinueWith(t => { lock (Gate) Running.Remove(t); }, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return work;
    }

    /// <summary>Waits until every tracked command has ended, or <paramref name="timeout"/>; true when none is left.</summary>
    public static async Task<bool> WaitAsync(TimeSpan timeout)
    {
        Task[] running;
        lock (Gate) running = [.. Running];
        if (running.Length == 0) return true;
        var all = Task.WhenAll(running);
        var first = await Task.WhenAny(all, Task.Delay(timeout)).ConfigureAwait(false);
        return first == all;
    }

    /// <summary>
    /// Waits until the interrupted cell of <paramref name="context"/> has ended (.NET Interactive closes it once the cancellation
    /// callbacks have run), or <paramref name="timeout"/>: <see cref="ResultBinding.BindAsync"/> calls it after an interrupt, so
    /// that binding a partial result does not compete with the host sending the cell's end to the notebook.
    /// </summary>
    public static async Task CellEndedAsync(KernelInvocationContext context, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!context.IsComplete && clock.Elapsed < timeout)
            await Task.Delay(5).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes each new top-level command of <paramref name="kernel"/> (a cell; not the commands a cell sends on its own, and
    /// not Cancel) wait for the LatentLab commands still binding their results.
    /// </summary>
    public static void Install(Kernel kernel) =>
        kernel.AddMiddleware(async (command, context, next) =>
        {
            if (command.Parent is null && command is not Cancel && Count > 0)
                await WaitAsync(MaxWait).ConfigureAwait(false);
            await next(command, context).ConfigureAwait(false);
        });
}
