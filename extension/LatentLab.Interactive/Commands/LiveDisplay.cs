using System.Diagnostics;
using LatentLab.Interactive.Formatting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// Live progress in the cell's output: one display that is updated in place, at most once per <c>interval</c>, from
/// whatever thread LatentLab reports on. Pass it as the <see cref="IProgress{T}"/> of a LatentLab call and call
/// <see cref="Complete"/> before the handler returns (updates after that are dropped by .NET Interactive), so the last
/// state is always shown. LatentLab runs that report <see cref="LatentLab.Reports.RunProgress"/> use it through
/// <see cref="LivePanel"/>, which renders LatentLab's one live panel.
/// </summary>
public sealed class LiveDisplay<T> : IProgress<T>
{
    readonly object _gate = new();
    readonly Func<T, HtmlFragment> _render;
    readonly TimeSpan _interval;
    readonly Stopwatch _sinceUpdate = Stopwatch.StartNew();
    readonly KernelInvocationContext _context;
    readonly KernelCommand _command;
    readonly string _displayId;
    static readonly string[] Mimes = ["text/html", "text/plain"];
    T _latest = default!;
    bool _pending;

    LiveDisplay(KernelInvocationContext context, KernelCommand command, string displayId, Func<T, HtmlFragment> render, TimeSpan interval)
    {
        _context = context;
        _command = command;
        _displayId = displayId;
        _render = render;
        _interval = interval;
    }

    /// <summary>Number of times the display was updated (for tests and diagnostics).</summary>
    public int Updates { get; private set; }

    /// <summary>Shows <paramref name="initial"/> now (as output of <paramref name="command"/>, the handler's command); later reports replace it, no more often than <paramref name="interval"/> (default 0.25 s).</summary>
    public static LiveDisplay<T> Start(KernelInvocationContext context, KernelCommand command, HtmlFragment initial, Func<T, HtmlFragment> render, TimeSpan? interval = null)
    {
        var displayed = context.Display(initial, Mimes);
        return new LiveDisplay<T>(context, command, displayed.DisplayId, render, interval ?? TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Records the newest state; updates the display if the last update is older than the interval.</summary>
    public void Report(T value)
    {
        lock (_gate)
        {
            _latest = value;
            _pending = true;
            if (_sinceUpdate.Elapsed >= _interval)
            {
                Flush();
            }
        }
    }

    /// <summary>Shows the newest reported state if it is not on screen yet. Call before the handler returns.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_pending)
            {
                Flush();
            }
        }
    }

    /// <summary>Replaces the display with <paramref name="fragment"/> now (e.g. the closing state), whatever the interval.</summary>
    public void Show(HtmlFragment fragment)
    {
        lock (_gate)
        {
            Publish(fragment);
        }
    }

    void Flush() => Publish(_render(_latest));

    void Publish(HtmlFragment fragment)
    {
        // Published on the captured context, so reports from any thread (ambient context or not) reach this cell.
        _context.Publish(new DisplayedValueUpdated(fragment, _displayId, _command, FormattedValue.CreateManyFromObject(fragment, Mimes)));
        _pending = false;
        Updates++;
        _sinceUpdate.Restart();
    }
}
