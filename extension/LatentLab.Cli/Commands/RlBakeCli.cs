using System.Diagnostics;
using LatentLab.Cli.Output;
using LatentLab.Reinforcement;
using LatentLab.Reports;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab rl-bake</c>: <see cref="ReferenceBaker.Bake"/> with the knobs of <see cref="BakeOptions"/>,
/// <see cref="BehaviourRateKnobs"/> (preset and rates), <see cref="AlignmentEnvironmentOptions"/> and <see cref="PolicyOptions"/>,
/// the records of <c>#!rl-bake</c>; writes the policy checkpoint (for <c>rl-train --reference</c>) and the achieved rates. An
/// interrupt writes the partly baked policy (its checkpoint note says partial).
/// </summary>
public static class RlBakeCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "rl-bake",
        description: "Bakes behaviour rates (comply / sandbag / refuse, concerns) per context type into a small MLP (or, with --policy gru, GRU) reference policy for the " +
                     "alignment RL lab, matched to a KL tolerance, at a chosen depth. Writes reference.policy (all seeds with their environment; " +
                     "then: latentlab rl-train --reference reference.policy) and reference.csv (target and achieved rate per context type and measure).",
        example: "latentlab rl-bake --preset alignment-faking-2024 --split stochastic --width 64 --seeds 1 --out-dir runs/rl",
        options: typeof(BakeOptions),
        inputs: [typeof(BehaviourRateKnobs), typeof(AlignmentEnvironmentOptions), typeof(PolicyOptions)],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<BakeOptions>();
        var rates = run.Get<BehaviourRateKnobs>();
        // As in #!rl-bake: the line's policy knobs apply over the record's policy (baking starts with output gain 1), and the
        // rates are the preset's (or the --options file's) with the rate flags over them.
        options = options with { Policy = run.Read(options.Policy), Rates = rates.Rates(run.Knobs.OptionsFile is null ? null : options.Rates) };
        options.Validate();
        var environment = new AlignmentEnvironment(run.Get<AlignmentEnvironmentOptions>(), run.Device);
        var clock = Stopwatch.StartNew();
        var baked = await run.Progress.RunAsync(() =>
            ReferenceBaker.Bake(environment, options, run.Progress.For<BakeProgress>(p => p.ToRunProgress(clock.Elapsed)), run.CancellationToken));
        var policy = run.Save("reference.policy", path => PolicyCheckpoint.Save(baked.Policy, path,
            $"latentlab rl-bake, {baked.Steps} steps" + (baked.IsPartial ? " (PARTIAL: interrupted)" : "")));
        var csv = run.Save("reference.csv", path => ResultFiles.WriteCsv(baked.ToDataFrame(), path));
        var summary = $"Baked {options.Seeds} seed(s) in {baked.Steps} steps ({ReportFormat.Duration(clock.Elapsed)}): " +
                      (baked.Matched ? $"every rate within the KL tolerance after {baked.StepsToMatch} steps." : "not every rate reached the KL tolerance; see reference.csv.");
        return new CliResult([policy, csv], summary, baked.IsPartial)
        {
            Metrics = [new("steps", baked.Steps), new("matched", baked.Matched ? 1 : 0), new("steps_to_match", baked.Matched ? baked.StepsToMatch : double.NaN)],
        };
    }
}
