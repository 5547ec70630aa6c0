using LatentLab.Cli.Output;
using LatentLab.Perturbation;
using LatentLab.Reports;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab perturb</c>: <see cref="PerturbationSweep.Compare(string, IReadOnlyList{IPerturbationSubject}, string?, IReadOnlyList{IPerturbationSubject}?, PerturbationOptions, IProgress{PerturbationProgress}?, CancellationToken)"/>
/// (every training seed of each model; with <c>--compare</c> the second on the same draws) with the knobs of <see cref="PerturbationOptions"/>, the record of <c>#!perturb</c>, on checkpoint files
/// (a policy or a bandit student, told apart by the file's header); writes every curve as CSV. An interrupt keeps the
/// noise scales done so far.
/// </summary>
public static class PerturbCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "perturb",
        description: "Adds relative Gaussian noise (s * RMS of each tensor, or of each layer's output) on a log grid of s, many noise seeds as one " +
                     "batch, to a policy, student or cot-synthetic checkpoint: every metric against s with 95% CIs, s50 (halfway to chance) with bootstrap CIs and " +
                     "the specificity ratio; --compare perturbs a second checkpoint with the same draws. Writes perturb.csv (one row per model, " +
                     "noise scale and metric: mean, 95% CI, clean value, chance).",
        example: "latentlab perturb --model runs/rl/reference.policy --compare runs/rl/policy.policy --training-seeds 1 --noise-min 0.001 --noise-max 3 --points 24 --seeds 64 --out-dir runs/rl",
        options: typeof(PerturbationOptions),
        inputs: [typeof(PerturbFiles)],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<PerturbationOptions>();
        var files = run.Get<PerturbFiles>();
        var device = run.Device;
        using var first = CheckpointSubjects.Load("--model", files.Model!, options.TrainingSeeds, device);
        using var second = files.Compare is { Length: > 0 } c ? CheckpointSubjects.Load("--compare", c, options.TrainingSeeds, device) : null;
        if (second is not null) PerturbationSweep.CheckPaired(first.Name, first.Subjects, second.Name, second.Subjects);   // before any progress
        var progress = run.Progress.For<PerturbationProgress>(p => p.ToRunProgress());
        var curves = await run.Progress.RunAsync(() =>
            PerturbationSweep.Compare(first.Name, first.Subjects, second?.Name, second?.Subjects, options, progress, run.CancellationToken));
        var csv = run.Save("perturb.csv", path => ResultFiles.WriteCsv(PerturbationCurve.ToDataFrame(curves), path));
        return new CliResult([csv], string.Join(Environment.NewLine, curves.Select(c => c.ToString())), curves.Any(c => c.IsPartial))
        {
            // For a sweep's table: s50 of every metric of every compared model (NaN where the metric never fell halfway).
            Metrics = [.. curves.SelectMany((c, i) => c.Metrics.Select(m => new KeyValuePair<string, double>(
                (curves.Count > 1 ? $"model{i}_" : "") + $"s50_{m}", c.Halfway(m).Value)))],
        };
    }
}
