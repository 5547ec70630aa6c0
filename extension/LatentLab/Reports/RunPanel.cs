using System.Text;
using static LatentLab.Reports.ReportFormat;

namespace LatentLab.Reports;

/// <summary>
/// The live panel of any run that reports <see cref="RunProgress"/>: a progress bar, one line of figures (done / total,
/// the latest scalars, rate, elapsed, ETA, the run's message) and, once there are two reports with scalars, a chart
/// of each scalar so far (<see cref="ProgressCharts.Scalars"/>). It keeps every report it is given, so each render
/// draws the whole curve; renders carry no plotly.js (they are replaced many times; the notebook loads it once).
/// Thread-safe: reports may come from the worker thread while another thread renders.
/// </summary>
public sealed class RunPanel : IProgress<RunProgress>
{
    readonly object _gate = new();
    readonly List<RunProgress> _history = [];
    readonly string _description;
    readonly string _chartTitle;
    string _renderedChart = "";

    /// <param name="description">What is about to run, shown before the first report (e.g. "Probe sweep: reading 400 questions x ...").</param>
    /// <param name="chart">Whether renders include the chart of the scalars.</param>
    /// <param name="chartTitle">The chart's title; "{stage} so far" when left out.</param>
    public RunPanel(string description, bool chart = true, string? chartTitle = null)
    {
        _description = description;
        Charts = chart;
        _chartTitle = chartTitle ?? "";
    }

    /// <summary>Whether renders include a chart (the display then needs plotly.js loaded once beforehand).</summary>
    public bool Charts { get; }

    /// <summary>The newest report, or null before the first.</summary>
    public RunProgress? Latest
    {
        get { lock (_gate) return _history.Count == 0 ? null : _history[^1]; }
    }

    /// <summary>Every report so far (a copy).</summary>
    public IReadOnlyList<RunProgress> History
    {
        get { lock (_gate) return _history.ToList(); }
    }

    /// <summary>Records a report (a repeat of the newest stage and count replaces it).</summary>
    public void Report(RunProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (_history.Count > 0 && _history[^1].Done == value.Done && _history[^1].Stage == value.Stage)
                _history[^1] = value;
            else
                _history.Add(value);
        }
    }

    /// <summary>The panel before the first report: an empty bar and the description.</summary>
    public Rendered Starting() => new(Frame(ProgressBar.Html(0) + $"<div>Starting: {Escape(_description)}</div>"), _description);

    /// <summary>The newest report with the chart so far (the starting panel before any report).</summary>
    public Rendered Render()
    {
        lock (_gate)
        {
            if (_history.Count == 0) return Starting();
            var p = _history[^1];
            var figures = Figures(p);
            _renderedChart = ChartHtml();
            return new Rendered(Frame(ProgressBar.Html(p.Fraction) + $"<div>{Escape(figures)}</div>" + _renderedChart),
                $"{ProgressBar.Text(p.Fraction)} {figures}");
        }
    }

    /// <summary>
    /// The closing panel: <paramref name="status"/> in bold (red, with a red bar, when <paramref name="stopped"/>), the
    /// last figures, and the chart when <paramref name="withChart"/> (e.g. for an interrupted run that shows no result card).
    /// </summary>
    public Rendered Finished(string status, bool stopped = false, bool withChart = false)
    {
        lock (_gate)
        {
            var p = _history.Count == 0 ? null : _history[^1];
            var html = new StringBuilder(ProgressBar.Html(p?.Fraction ?? 0, stopped));
            html.Append($"<div style=\"color:{(stopped ? Palette.Alert : "#000")}\"><b>{Escape(status)}</b></div>");
            if (p is not null) html.Append($"<div>{Escape(Figures(p))}</div>");
            if (withChart) html.Append(ChartHtml());
            return new Rendered(Frame(html.ToString()), p is null ? status : $"{status} {Figures(p)}");
        }
    }

    /// <summary>
    /// The closing panel of an interrupted run, made within the interrupt's few milliseconds (a notebook cell ends when it is
    /// done): <paramref name="status"/> in red with a red bar and the last figures, as <see cref="Finished"/> with
    /// <c>stopped</c> and <c>withChart</c>, but the chart is the one the last <see cref="Render"/> drew (the curve up to the
    /// last live update, one display interval old at most; none if no render had one yet), not drawn again. Drawing a chart
    /// is the one costly part of a panel: the first one in a process took 1.1 s at a load average of 28 (its serialiser's
    /// start-up), and a long run's curve has hundreds of points.
    /// </summary>
    public Rendered Stopped(string status)
    {
        lock (_gate)
        {
            var p = _history.Count == 0 ? null : _history[^1];
            var html = ProgressBar.Html(p?.Fraction ?? 0, stopped: true) + $"<div style=\"color:{Palette.Alert}\"><b>{Escape(status)}</b></div>";
            if (p is not null) html += $"<div>{Escape(Figures(p))}</div>";
            return new Rendered(Frame(html + _renderedChart), p is null ? status : $"{status} {Figures(p)}");
        }
    }

    /// <summary>One line: "stage: done/total unit · scalar value · ... · rate unit/s · elapsed · ETA · message".</summary>
    public static string Figures(RunProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var parts = new List<string> { p.Total > 0 ? $"{p.Stage}: {p.Done}/{p.Total} {p.Unit}" : $"{p.Stage}: {p.Done} {p.Unit}" };
        parts.AddRange(p.Scalars.Select(s => $"{s.Name} {Number(s.Value, s.Format)}"));
        if (double.IsFinite(p.PerSecond)) parts.Add($"{Rate(p.PerSecond)} {p.RateUnit ?? p.Unit}/s");
        parts.Add($"elapsed {Duration(p.Elapsed)}");
        parts.Add($"ETA {(p.Eta is null ? "unknown" : Duration(p.Eta))}");
        if (!string.IsNullOrEmpty(p.Message)) parts.Add(p.Message);
        return string.Join(" · ", parts);
    }

    string ChartHtml()
    {
        if (!Charts || _history.Count < 2) return "";
        var title = _chartTitle.Length > 0 ? _chartTitle : $"{_history[^1].Stage} so far";
        return ProgressCharts.Scalars(_history, title) is { } chart ? Reports.ChartHtml.ToHtml(chart, includePlotlyJs: false) : "";
    }

    static string Frame(string inner) =>
        $"<div class=\"latentlab-live\" style=\"font-family:sans-serif;font-size:13px;max-width:900px\">{inner}</div>";
}
