using LatentLab.Bandits;
using LatentLab.Imitation;
using XPlot.Plotly;

namespace LatentLab.Reports;

/// <summary>
/// Chart builders for the bandit experiments (the only bandit code that calls XPlot). They return PlotlyChart objects;
/// turning them into offline HTML is ChartHtml's job.
/// </summary>
public static class BanditCharts
{
    /// <summary>Fixed colour per policy so every chart of a notebook agrees.</summary>
    public static string ColorOf(string policy) => policy switch
    {
        StudentPolicy.PolicyName => Palette.Red,
        PolicyNames.Ucb1 => Palette.Blue,
        PolicyNames.Thompson => Palette.Green,
        PolicyNames.Greedy => Palette.Orange,
        PolicyNames.EpsilonGreedy => Palette.Purple,
        PolicyNames.Random => Palette.Grey,
        _ => Palette.Cyan,
    };

    static IEnumerable<Trace> Band(string name, double[] mean, double[] low, double[] high, string color) =>
        ChartParts.CiBand(name, Enumerable.Range(1, mean.Length).ToArray(), mean, low, high, color);

    /// <summary>
    /// Cumulative pseudo-regret of every policy against the step, with 95% CI bands and a dashed vertical line at the
    /// training horizon (everything right of it is online learning the student was never trained on).
    /// </summary>
    public static PlotlyChart CumulativeRegret(BanditEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var traces = evaluation.Curves.SelectMany(c => Band(c.Policy, c.Regret, c.Low, c.High, ColorOf(c.Policy))).ToList();
        var layout = new Layout.Layout
        {
            title = $"Cumulative regret, K={evaluation.Arms}, {evaluation.Episodes} episodes (mean, 95% CI); dashed: training horizon {evaluation.TrainHorizon}",
            xaxis = new Xaxis { title = "step (pulls)" },
            yaxis = new Yaxis { title = "cumulative pseudo-regret" },
            shapes = evaluation.TrainHorizon <= evaluation.Horizon ? new[] { ChartParts.VerticalMarker(evaluation.TrainHorizon) } : Array.Empty<Shape>(),
        };
        return Chart.Plot(traces, layout);
    }

    /// <summary>Student minus UCB1 cumulative regret (paired on the same episodes) with its 95% CI; null without a student.</summary>
    public static PlotlyChart? StudentMinusUcb1(BanditEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        if (evaluation.StudentVsUcb1 is not { } d) return null;
        var traces = Band("student - ucb1", d.Difference, d.Low, d.High, ColorOf(StudentPolicy.PolicyName)).ToList();
        var layout = new Layout.Layout
        {
            title = "Student minus UCB1 cumulative regret, paired by episode (mean, 95% CI; below 0 = student better)",
            xaxis = new Xaxis { title = "step (pulls)" },
            yaxis = new Yaxis { title = "regret difference", zeroline = true },
            shapes = new[] { ChartParts.VerticalMarker(evaluation.TrainHorizon) },
        };
        return Chart.Plot(traces, layout);
    }

    /// <summary>Training loss (left axis), agreement with the teacher and the teacher's share (right axis) against the gradient step.</summary>
    public static PlotlyChart TrainingCurves(IReadOnlyList<TrainingProgress> history, string title = "Training: loss and agreement with the teacher")
    {
        ArgumentNullException.ThrowIfNull(history);
        return ProgressCharts.Training(history, title) ?? Chart.Plot(new List<Trace>(), new Layout.Layout { title = title });
    }

    /// <summary>Training curves of a trained student.</summary>
    public static PlotlyChart TrainingCurves(TrainedStudent student) =>
        TrainingCurves((student ?? throw new ArgumentNullException(nameof(student))).History,
            $"Training{(student.IsPartial ? " (interrupted)" : "")}: loss and agreement with {student.Options.Teacher}");
}
