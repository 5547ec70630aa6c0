using LatentLab.Bandits;
using LatentLab.Cli.Output;
using LatentLab.Imitation;
using LatentLab.Reports;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab bandit-eval</c>: <see cref="StudentEvaluator.Evaluate"/> of a checkpoint with the knobs of
/// <see cref="BanditEvaluationOptions"/>; writes the regret curves and the per-policy summary as CSV. An evaluation has no
/// partial result: an interrupt writes nothing.
/// </summary>
public static class BanditEvalCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "bandit-eval",
        description: "Evaluates a trained student (--load student.ckpt) against classic bandit policies on the same fresh episodes. Writes " +
                     "evaluation.csv (cumulative regret per policy and step, 95% CI) and evaluation-summary.csv (regret at the training horizon " +
                     "and at the end, agreement with UCB1 before and after it).",
        example: "latentlab bandit-eval --load runs/k5/student.ckpt --horizon 100 --episodes 2000 --out-dir runs/k5",
        options: typeof(BanditEvaluationOptions),
        inputs: [typeof(BanditEvalFiles)],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<BanditEvaluationOptions>();
        var file = run.Get<BanditEvalFiles>().Load!;
        var device = run.Device;
        using var student = TrainedStudent.Load(file, device);
        if (options.Horizon < student.TrainHorizon)
            await run.Error.WriteLineAsync($"Note: --horizon {options.Horizon} is shorter than the student's training horizon {student.TrainHorizon}; " +
                                           "nothing past the training horizon is evaluated.").ConfigureAwait(false);
        var evaluation = await run.Progress.RunAsync(() =>
            StudentEvaluator.Evaluate(options, student, device, run.Progress.For<EvaluationProgress>(p => p.ToRunProgress()), run.CancellationToken));
        var curves = run.Save("evaluation.csv", path => ResultFiles.WriteCsv(evaluation.ToDataFrame(), path));
        var summaries = run.Save("evaluation-summary.csv", path => ResultFiles.WriteCsv(evaluation.SummaryDataFrame(), path));
        var regret = string.Join(", ", evaluation.Summaries.Select(s => $"{s.Policy} {ReportFormat.CiText(s.RegretAtEnd)}"));
        return new CliResult([curves, summaries],
            $"Evaluated {evaluation.Curves.Count} policies on {evaluation.Episodes} episodes of {evaluation.Horizon} pulls in " +
            $"{ReportFormat.Duration(evaluation.Elapsed)}; regret at the end: {regret}.")
        {
            // For a sweep's table: each policy's mean regret at the end (evaluation-summary.csv has the CIs).
            Metrics = [.. evaluation.Summaries.Select(s => new KeyValuePair<string, double>($"regret_at_end_{s.Policy.ToLowerInvariant()}", s.RegretAtEnd.Mean))],
        };
    }
}
