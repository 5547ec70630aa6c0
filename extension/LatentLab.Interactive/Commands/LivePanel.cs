using LatentLab.Interactive.Formatting;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// The live progress of every command: LatentLab's <see cref="RunPanel"/> (bar, rate, ETA, latest scalars, growing
/// chart) in one cell output that is updated in place (<see cref="LiveDisplay{T}"/>). Pass <see cref="For{T}"/> as
/// the <see cref="IProgress{T}"/> of a LatentLab call; call <see cref="Show"/> with the closing panel or
/// <see cref="Complete"/> before the handler returns.
/// </summary>
public sealed class LivePanel : IProgress<RunProgress>
{
    readonly object _gate = new();
    LiveDisplay<RunProgress> _display = null!;
    CancellationTokenRegistration _onInterrupt;

    readonly KernelInvocationContext _context;
    bool _watching;

    LivePanel(RunPanel panel, KernelInvocationContext context)
    {
        Panel = panel;
        _context = context;
    }

    /// <summary>The panel being shown (its history, its closing render).</summary>
    public RunPanel Panel { get; }

    /// <summary>
    /// Shows <paramref name="panel"/>'s starting state now; later reports update it no more often than
    /// <paramref name="interval"/> (default 0.25 s). A panel with a chart first makes sure plotly.js is in the notebook.
    /// With <paramref name="interrupted"/>, an interrupt at once turns the panel red with that message (what is kept and
    /// where), before .NET Interactive closes the cell; <see cref="Show"/> or <see cref="Complete"/> ends that watch.
    /// The watch starts before the first display, so an interrupt that arrives as soon as the panel is on screen still
    /// turns it red (after the cell is closed, .NET Interactive drops every update).
    /// </summary>
    public static LivePanel Start(KernelInvocationContext context, KernelCommand command, RunPanel panel, TimeSpan? interval = null,
        string? interrupted = null)
    {
        if (panel.Charts) PlotlyCarrier.EnsureLoaded(context);
        var live = new LivePanel(panel, context);
        lock (live._gate)
        {
            if (interrupted is not null)
            {
                live._watching = true;
                // Runs on the thread that cancels, or at once if the cell is already cancelled (then the display does not exist yet
                // and nothing can be shown any more). The gate makes it wait until the first display has been published.
                live._onInterrupt = context.CancellationToken.Register(() =>
                {
                    lock (live._gate)
                    {
                        live._display?.Show(HtmlFragment.From(panel.Stopped(interrupted)));
                    }
                });
            }
            live._display = LiveDisplay<RunProgress>.Start(context, command, HtmlFragment.From(panel.Starting()), _ => HtmlFragment.From(panel.Render()), interval);
        }
        return live;
    }

    /// <summary>
    /// Records the report in the panel (every one, for the chart) and updates the display when the interval has passed. After an
    /// interrupt only the record is kept: the cell is closing, its interrupted panel is (or is about to be) on screen, and the
    /// science's last report (it reports where it stopped) must not spend the interrupt's time rendering an update that .NET
    /// Interactive would drop or that would cover that panel.
    /// </summary>
    public void Report(RunProgress value)
    {
        Panel.Report(value);
        if (_context.CancellationToken.IsCancellationRequested) return;
        _display.Report(value);
    }

    /// <summary>This panel as the progress of a LatentLab call that reports its own record, converted by <paramref name="convert"/> (e.g. <c>p =&gt; p.ToRunProgress()</c>).</summary>
    public IProgress<T> For<T>(Func<T, RunProgress> convert) => new ConvertedProgress<T>(this, convert);

    /// <summary>Replaces the display now, e.g. with <see cref="RunPanel.Finished"/>.</summary>
    public void Show(Rendered rendered)
    {
        if (KeepInterruptWatch()) return;
        _display.Show(HtmlFragment.From(rendered));
    }

    /// <summary>Shows the newest report if it is not on screen yet. Call before the handler returns.</summary>
    public void Complete()
    {
        if (KeepInterruptWatch()) return;
        _display.Complete();
    }

    /// <summary>
    /// Ends the interrupt watch, unless the cell is being interrupted: then the watch's red panel is (or is about to be) on
    /// screen and stays there. .NET Interactive sets the cancellation flag first, then runs the watch on the cancelling
    /// thread, then closes the cell; a run that sees the flag can return before the watch has run, and disposing the watch
    /// then would drop it, so it is kept (it runs before the cell closes) and no later update may cover it.
    /// </summary>
    bool KeepInterruptWatch()
    {
        if (_watching && _context.CancellationToken.IsCancellationRequested) return true;
        _onInterrupt.Dispose();
        return false;
    }
}
