using LatentLab.Reports;

namespace LatentLab.Cli.Progress;

/// <summary>
/// Shows a run's progress on the terminal while the run works on another thread. The run reports its own typed records;
/// <see cref="For{T}"/> converts them to the one <see cref="RunProgress"/> (the conversions of LatentLab.Reports, which the
/// notebook panels use as well), and the display draws the latest one at its own pace.
/// </summary>
public abstract class ProgressDisplay
{
    RunProgress? _latest;

    /// <summary>The latest report, or null before the first.</summary>
    public RunProgress? Latest => Volatile.Read(ref _latest);

    /// <summary>A progress sink for the run's own record type.</summary>
    public IProgress<T> For<T>(Func<T, RunProgress> convert) => new ProgressSink<T>(p => Volatile.Write(ref _latest, convert(p)));

    /// <summary>Runs <paramref name="work"/> on the thread pool and shows its progress until it ends (also when it throws).</summary>
    public async Task<T> RunAsync<T>(Func<T> work)
    {
        var task = Task.Run(work);
        await ShowWhileAsync(task).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    /// <summary>Draws progress until <paramref name="work"/> completes; must not throw the work's exception.</summary>
    protected abstract Task ShowWhileAsync(Task work);

    /// <summary>Waits for <paramref name="work"/> or <paramref name="interval"/>, whichever comes first.</summary>
    protected static Task Tick(Task work, TimeSpan interval) => Task.WhenAny(work, Task.Delay(interval));

    /// <summary>The display for <paramref name="mode"/> (auto, live, plain, none); auto is live when stderr is a terminal.</summary>
    public static ProgressDisplay Create(string mode, TextWriter error, bool errorIsTerminal) => mode switch
    {
        "none" => new SilentProgressDisplay(),
        "plain" => new PlainProgressDisplay(error, TimeSpan.FromSeconds(5)),
        "live" => new LiveProgressDisplay(error),
        _ => errorIsTerminal ? new LiveProgressDisplay(error) : new PlainProgressDisplay(error, TimeSpan.FromSeconds(5)),
    };
}
