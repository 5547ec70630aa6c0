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
    long _version, _published;      // reports received, and the one on screen
    bool _rendering, _closed;

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

    /// <summary>
    /// Records the newest state; updates the display if the last update is older than the interval. The state is rendered
    /// outside the lock (a panel with a chart takes a while), so a closing <see cref="Show"/> (an interrupt's red panel) never
    /// waits for an update being drawn; an update drawn while it was shown is dropped.
    /// </summary>
    public void Report(T value)
    {
        long version;
        lock (_gate)
        {
            _latest = value;
            version = ++_version;
            if (_closed || _rendering || _sinceUpdate.Elapsed < _interval) return;
            _rendering = true;
        }
        RenderAndPublish(value, version);
    }

    /// <summary>Shows the newest reported state if it is not on screen yet. Call before the handler returns.</summary>
    public void Complete()
    {
        T latest;
        long version;
        lock (_gate)
        {
            if (_closed || _version == _published) return;
            latest = _latest;
            version = _version;
            _rendering = true;
        }
        RenderAndPublish(latest, version);
    }

    /// <summary>
    /// Replaces the display with <paramref name="fragment"/> now (the closing state: finished or interrupted), whatever the
    /// interval; later reports no longer update it.
    /// </summary>
    public void Show(HtmlFragment fragment)
    {
        lock (_gate)
        {
            _closed = true;
            Publish(fragment);
            _published = _version;
        }
    }

    void RenderAndPublish(T value, long version)
    {
        HtmlFragment fragment;
        try
        {
            fragment = _render(value);
        }
        catch
        {
            lock (_gate) _rendering = false;
            throw;
        }
        lock (_gate)
        {
            _rendering = false;
            // The closing panel is on screen, or a newer state already is: this one must not cover it.
            if (_closed || version <= _published) return;
            Publish(fragment);
            _published = version;
        }
    }

    void Publish(HtmlFragment fragment)
    {
        // Published on the captured context, so reports from any thread (ambient context or not) reach this cell.
        _context.Publish(new DisplayedValueUpdated(fragment, _displayId, _command, FormattedValue.CreateManyFromObject(fragment, Mimes)));
        Updates++;
        _sinceUpdate.Restart();
    }
}
