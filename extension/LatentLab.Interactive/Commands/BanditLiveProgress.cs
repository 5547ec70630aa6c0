using LatentLab.Interactive.Formatting;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// Progress of a LatentLab call that runs on a worker thread, shown from the handler's own flow: LatentLab reports into
/// this (it only keeps the newest report), and <see cref="PumpAsync{TResult}"/>, awaited by the handler, renders the
/// newest report into the live display about once per interval until the work ends. The worker thread never touches
/// the kernel, and the display changes at a steady pace however often LatentLab reports.
/// </summary>
public sealed class BanditLiveProgress<T> : IProgress<T> where T : class
{
    readonly IProgress<T>? _also;
    T? _latest;
    int _version, _shown;

    /// <param name="also">Receives every report as well (e.g. the training panel that keeps the whole curve).</param>
    public BanditLiveProgress(IProgress<T>? also = null) => _also = also;

    public void Report(T value)
    {
        _also?.Report(value);
        Volatile.Write(ref _latest, value);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Awaits <paramref name="work"/>, showing the newest report (rendered by <paramref name="render"/>) every <paramref name="interval"/>.</summary>
    public async Task<TResult> PumpAsync<TResult>(Task<TResult> work, LiveDisplay<HtmlFragment> live, Func<T, HtmlFragment> render, TimeSpan interval)
    {
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(interval));
            int version = Volatile.Read(ref _version);
            if (version != _shown && Volatile.Read(ref _latest) is { } latest)
            {
                _shown = version;
                live.Report(render(latest));
            }
        }
        return await work;
    }
}
