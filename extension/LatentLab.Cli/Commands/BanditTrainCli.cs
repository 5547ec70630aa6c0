using LatentLab.Cli.Output;
using LatentLab.Imitation;
using LatentLab.Reports;
using Microsoft.Data.Analysis;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab bandit-train</c>: <see cref="BanditTrainer.Train(BanditTrainingOptions, TorchSharp.torch.Device, IProgress{TrainingProgress}?, CancellationToken)"/>
/// with the knobs of <see cref="BanditTrainingOptions"/>; writes the student's checkpoint and its training curve. An interrupt
/// keeps the partial student (its checkpoint says partial).
/// </summary>
public static class BanditTrainCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "bandit-train",
        description: "Trains an LSTM student to imitate a bandit teacher (UCB1 by default) on K-armed Bernoulli bandits of --train-horizon pulls " +
                     "(DAgger unless --bc). Writes student.ckpt (load it with bandit-eval --load) and student-history.csv (loss and agreement per report).",
        example: "latentlab bandit-train --arms 5 --train-horizon 50 --steps 300 --seed 0 --out-dir runs/k5",
        options: typeof(BanditTrainingOptions),
        inputs: [],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<BanditTrainingOptions>();
        var device = run.Device;
        using var student = await run.Progress.RunAsync(() =>
            BanditTrainer.Train(options, device, run.Progress.For<TrainingProgress>(p => p.ToRunProgress()), run.CancellationToken));
        var checkpoint = run.Save("student.ckpt", student.Save);
        var history = run.Save("student-history.csv", path => ResultFiles.WriteCsv(History(student), path));
        var final = student.Final;
        var summary = $"Trained {student.StepsCompleted} of {options.Steps} steps in {ReportFormat.Duration(student.TrainingTime)}" +
                      (final is null ? "." : $": loss {ReportFormat.Number(final.Loss, "0.000")}, agreement with the teacher {ReportFormat.Number(final.Agreement, "0.000")}.");
        return new CliResult([checkpoint, history], summary, student.IsPartial)
        {
            Metrics = [new("steps_completed", student.StepsCompleted), new("final_loss", final?.Loss ?? double.NaN), new("final_agreement", final?.Agreement ?? double.NaN)],
        };
    }

    /// <summary>One row per progress report: step, loss, agreement, teacher share, env-steps/s, elapsed seconds.</summary>
    public static DataFrame History(TrainedStudent student)
    {
        var h = student.History;
        return new DataFrame(
            new Int32DataFrameColumn("step", h.Select(p => p.Step)),
            new DoubleDataFrameColumn("loss", h.Select(p => p.Loss)),
            new DoubleDataFrameColumn("agreement", h.Select(p => p.Agreement)),
            new DoubleDataFrameColumn("teacher_share", h.Select(p => p.TeacherMix)),
            new DoubleDataFrameColumn("env_steps_per_second", h.Select(p => p.EnvStepsPerSecond)),
            new DoubleDataFrameColumn("elapsed_seconds", h.Select(p => p.Elapsed.TotalSeconds)));
    }
}
