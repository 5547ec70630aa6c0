using LatentLab.Imitation;
using LatentLab.Reports;
using static LatentLab.Reports.ReportFormat;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// What the live display of <c>#!bandit-train</c> says around LatentLab's <see cref="RunPanel"/> (which draws the bar,
/// the figures from <see cref="ProgressConversions.ToRunProgress(TrainingProgress)"/> and the growing loss/agreement
/// chart): the run's description before the first step, and how it ended.
/// </summary>
public sealed class BanditTrainingPanel
{
    readonly BanditTrainingOptions _options;

    public BanditTrainingPanel(BanditTrainingOptions options, string device)
    {
        _options = options;
        Panel = new RunPanel($"Training the student: {Describe(options, device)}", chart: true,
            chartTitle: "Training so far: loss and agreement with the teacher");
    }

    /// <summary>The live panel (pass it to <c>LivePanel.Start</c>).</summary>
    public RunPanel Panel { get; }

    /// <summary>
    /// The closing panel: finished or interrupted. The student's card (displayed next) carries the curves; only an
    /// interrupted run, which shows no card, keeps them here (as the live display last drew them: <see cref="RunPanel.Stopped"/>).
    /// </summary>
    public Rendered Finished(TrainedStudent student, string? message = null)
    {
        var status = message ?? (student.IsPartial
            ? $"Interrupted after {student.StepsCompleted} of {_options.Steps} steps ({Duration(student.TrainingTime)}): the partial model is kept."
            : $"Done: {student.StepsCompleted} steps in {Duration(student.TrainingTime)}.");
        return student.IsPartial ? Panel.Stopped(status) : Panel.Finished(status);
    }

    /// <summary>The closing panel of an interrupted run whose student is not back yet: <paramref name="message"/>, stopped, with the curves as last drawn.</summary>
    public Rendered Interrupted(string message) => Panel.Stopped(message);

    static string Describe(BanditTrainingOptions o, string device) =>
        $"K={o.Arms}, training horizon {o.TrainHorizon}, teacher {o.Teacher.ToString().ToLowerInvariant()}, " +
        $"{o.Architecture} LSTM hidden {o.Hidden}, {(o.Dagger ? "DAgger" : "behaviour cloning")}, " +
        $"{o.Steps} steps x {o.Batch} episodes on {device}";
}
