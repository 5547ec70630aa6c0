namespace LatentLab.Cli.Progress;

/// <summary>
/// Progress for logs and pipes (stderr not a terminal, e.g. a Slurm job's output file): one complete line per
/// <c>interval</c> when something changed, and the last state at the end. No cursor movement, no colour.
/// </summary>
public sealed class PlainProgressDisplay(TextWriter error, TimeSpan interval) : ProgressDisplay
{
    /// <inheritdoc />
    protected override async Task ShowWhileAsync(Task work)
    {
        string? shown = null;
        void Show()
        {
            if (Latest is not { } p) return;
            var line = ProgressLine.Format(p);
            if (line == shown) return;
            error.WriteLine(line);
            error.Flush();
            shown = line;
        }
        while (!work.IsCompleted)
        {
            await Tick(work, interval).ConfigureAwait(false);
            Show();
        }
    }
}
