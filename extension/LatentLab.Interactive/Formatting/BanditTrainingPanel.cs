using System.Globalization;
using System.Net;
using LatentLab.Imitation;
using LatentLab.Reports;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// The one live display of <c>#!bandit-train</c>: a progress bar, the current figures (step, loss, agreement with the
/// teacher, env-steps/s, ETA) and the loss/agreement chart so far (LatentLab's <see cref="BanditCharts.TrainingCurves(IReadOnlyList{TrainingProgress}, string)"/>).
/// It keeps the reports it has seen, so each render draws the whole curve. plotly.js is not in these renders (they
/// are replaced many times): <see cref="PlotlyCarrier"/> puts it into the notebook once, in an output of its own.
/// </summary>
public sealed class BanditTrainingPanel : IProgress<TrainingProgress>
{
    readonly List<TrainingProgress> _history = [];
    readonly BanditTrainingOptions _options;
    readonly string _device;

    public BanditTrainingPanel(BanditTrainingOptions options, string device)
    {
        _options = options;
        _device = device;
    }

    /// <summary>The display before the first report.</summary>
    public HtmlFragment Starting() => new(
        Frame($"{Bar(0)}<div>Starting: {Describe()}</div>"),
        $"Training the student: {Describe()}");

    /// <summary>Records every report, so that each render draws the whole curve so far.</summary>
    public void Report(TrainingProgress value)
    {
        lock (_history)
        {
            if (_history.Count == 0 || _history[^1].Step != value.Step)
            {
                _history.Add(value);
            }
        }
    }

    /// <summary>Renders the figures of <paramref name="p"/> and the whole curve so far.</summary>
    public HtmlFragment Render(TrainingProgress p)
    {
        lock (_history)
        {
            var figures = Figures(p);
            var chart = _history.Count >= 2
                ? ChartHtml.ToHtml(BanditCharts.TrainingCurves(_history, "Training so far: loss and agreement with the teacher"), includePlotlyJs: false)
                : "";
            return new HtmlFragment(Frame($"{Bar(p.Fraction)}<div>{WebUtility.HtmlEncode(figures)}</div>{chart}"),
                $"[{TextBar(p.Fraction)}] {figures}");
        }
    }

    /// <summary>The closing render: the final figures and whether training finished or was interrupted.</summary>
    public HtmlFragment Finished(TrainedStudent student, string? message = null)
    {
        var p = student.Final;
        var status = message ?? (student.IsPartial
            ? $"Interrupted after {student.StepsCompleted} of {_options.Steps} steps ({student.TrainingTime.TotalSeconds:0.0} s): the partial model is kept."
            : $"Done: {student.StepsCompleted} steps in {student.TrainingTime.TotalSeconds:0.0} s.");
        // The student's card (displayed next) carries the curves; only an interrupted run, which shows no card, keeps them here.
        string chart;
        lock (_history)
        {
            chart = student.IsPartial && _history.Count >= 2
                ? ChartHtml.ToHtml(BanditCharts.TrainingCurves(_history, "Training: loss and agreement with the teacher"), includePlotlyJs: false)
                : "";
        }
        var color = student.IsPartial ? "#b00" : "#000";
        var html = Frame($"{Bar(p?.Fraction ?? 0, student.IsPartial)}<div style=\"color:{color}\"><b>{WebUtility.HtmlEncode(status)}</b></div>" +
                         (p is null ? "" : $"<div>{WebUtility.HtmlEncode(Figures(p))}</div>") + chart);
        return new HtmlFragment(html, status + (p is null ? "" : " " + Figures(p)));
    }

    string Describe() =>
        $"K={_options.Arms}, training horizon {_options.TrainHorizon}, teacher {_options.Teacher.ToString().ToLowerInvariant()}, " +
        $"{_options.Architecture} LSTM hidden {_options.Hidden}, {(_options.Dagger ? "DAgger" : "behaviour cloning")}, " +
        $"{_options.Steps} steps x {_options.Batch} episodes on {_device}";

    static string Figures(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TotalSteps} · loss {p.Loss:0.000} · agreement with teacher {p.Agreement:0.000} · teacher share {p.TeacherMix:0.00} · " +
        $"{Rate(p.EnvStepsPerSecond)} env-steps/s · elapsed {Time(p.Elapsed)} · ETA {Time(p.Eta)}");

    static string Rate(double perSecond) => perSecond >= 1e5
        ? (perSecond / 1e6).ToString("0.00 M", CultureInfo.InvariantCulture)
        : (perSecond / 1e3).ToString("0.0 k", CultureInfo.InvariantCulture);

    static string Time(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    static string Frame(string inner) =>
        $"<div class=\"latentlab-training\" style=\"font-family:sans-serif;font-size:13px;max-width:900px\">{inner}</div>";

    static string Bar(double fraction, bool stopped = false)
    {
        var percent = Math.Clamp(fraction, 0, 1) * 100;
        var color = stopped ? "#d62728" : "#1f77b4";
        return "<div style=\"background:#eee;border-radius:4px;height:14px;width:100%;margin:4px 0\">" +
               $"<div style=\"background:{color};border-radius:4px;height:14px;width:{percent.ToString("0.#", CultureInfo.InvariantCulture)}%\"></div></div>";
    }

    static string TextBar(double fraction)
    {
        int filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * 20);
        return new string('#', filled) + new string('.', 20 - filled);
    }
}
