using LatentLab.Activations;
using LatentLab.Cli.Output;
using LatentLab.Probes;
using LatentLab.Reports;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab probe-sweep</c>: <see cref="ProbeSweep.Run"/> over an activation file with the knobs of
/// <see cref="ProbeSweepOptions"/>; writes the result's DataFrame as CSV. An interrupt keeps the layers finished so far.
/// </summary>
public static class ProbeSweepCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "probe-sweep",
        description: "Trains a linear probe at every layer x position of an activation file with k-fold cross-validation: accuracy with 95% CI, " +
                     "control task and selectivity, and the answer-letter baseline. Writes probe-sweep.csv (one row per layer and position).",
        example: "latentlab probe-sweep --activations runs/cot/acts.safetensors --baseline runs/cot/baseline.npy --folds 5 --out-dir runs/cot",
        options: typeof(ProbeSweepOptions),
        inputs: [typeof(ProbeSweepInputs)],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<ProbeSweepOptions>();
        var files = run.Get<ProbeSweepInputs>();
        var device = run.Device;
        using var set = ActivationSet.Load(files.Activations!, files.Labels, files.Groups, files.Baseline);
        var result = await run.Progress.RunAsync(() =>
            ProbeSweep.Run(set, options, device, run.Progress.For<SweepProgress>(p => p.ToRunProgress()), run.CancellationToken));
        var csv = run.Save("probe-sweep.csv", path => ResultFiles.WriteCsv(result.ToDataFrame(), path));
        int best = result.BestLayer;
        return new CliResult([csv], result.ToString(), result.IsPartial)
        {
            Metrics = result.Cells.Count == 0
                ? [new("cells", 0)]
                : [new("cells", result.Cells.Count), new("chance_accuracy", result.ChanceAccuracy), new("best_layer", best),
                   new("best_layer_mean_accuracy", result.Cells.Where(c => c.Layer == best).Average(c => c.Accuracy)),
                   new("max_cell_accuracy", result.Cells.Max(c => c.Accuracy))],
        };
    }
}
