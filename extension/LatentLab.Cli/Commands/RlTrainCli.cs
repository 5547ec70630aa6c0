using System.Diagnostics;
using LatentLab.Cli.Output;
using LatentLab.Reinforcement;
using LatentLab.Reports;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab rl-train</c>: PPO (<see cref="Ppo.Train"/>) or GRPO (<see cref="Grpo.Train"/>), or a two-setting
/// <see cref="RlGrid"/>, from a reference policy file, with the records of <c>#!rl-train</c>: <see cref="PpoOptions"/>, GRPO's own
/// knobs (<see cref="RlTrainChoices.GrpoOnly"/>), <see cref="RlTrainChoices"/> and the reward knobs of
/// <see cref="AlignmentEnvironmentOptions"/> applied over the reference's environment. An interrupt writes the partial run.
/// </summary>
public static class RlTrainCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "rl-train",
        description: "Trains a reference policy (from latentlab rl-bake) with PPO or GRPO on the alignment environment, every seed at once as " +
                     "one batched network, with a KL penalty to the reference; environment flags (--concern-cost, --coupling, ...) change the " +
                     "reward over the reference's environment. Writes policy.policy (the trained seeds), rl-train.csv (seed, step, metric, value) " +
                     "and rl-train-summary.csv (final metrics with 95% CIs across seeds); with --grid, rl-grid.csv (one block per grid point). " +
                     "--options takes a PpoOptions (with --algorithm grpo, a GrpoOptions) JSON file.",
        example: "latentlab rl-train --reference runs/rl/reference.policy --algorithm ppo --kl 0.04 --seeds 16 --iterations 100 --out-dir runs/rl",
        options: typeof(PpoOptions),
        inputs: [typeof(RlTrainFiles), typeof(RlTrainChoices), typeof(AlignmentEnvironmentOptions)],
        run: RunAsync,
        views: [RlTrainChoices.GrpoOnly]);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var choices = run.Get<RlTrainChoices>();
        var grpoOnly = run.Line(RlTrainChoices.GrpoOnly);
        if (choices.Algorithm == RlAlgorithm.Ppo && grpoOnly.Count > 0)
            throw new ArgumentException(RlTrainChoices.GrpoKnobWithPpo(RlTrainChoices.GrpoOnly.Find(grpoOnly[0].Key)!));
        var path = run.Get<RlTrainFiles>().Reference!;
        var reference = PolicyCheckpoint.Load(path, run.Device).Policy;
        // The reward knobs typed on the line apply over the reference's own environment; its shape must stay (the policy's
        // constructor names the mismatch).
        var environment = run.Read(reference.Environment.Options);
        if (environment != reference.Environment.Options)
            reference = new AlignmentPolicy(reference.Network, new AlignmentEnvironment(environment, reference.Environment.Device), reference.Options);

        var grid = choices.Grid is { } text ? RlGrid.Parse(text) : default;
        string algorithm = choices.Algorithm == RlAlgorithm.Ppo ? "ppo" : "grpo";
        Func<IProgress<RlProgress>, object> train;
        if (choices.Algorithm == RlAlgorithm.Ppo)
        {
            var options = run.Get<PpoOptions>();
            train = choices.Grid is null
                ? progress => Ppo.Train(reference, options, null, progress, run.CancellationToken)
                : progress => RlGrid.Run(reference, options, grid.SettingA, grid.ValuesA, grid.SettingB, grid.ValuesB, progress, run.CancellationToken);
        }
        else
        {
            var options = GrpoOptionsOf(run, grpoOnly);
            train = choices.Grid is null
                ? progress => Grpo.Train(reference, options, null, progress, run.CancellationToken)
                : progress => RlGrid.Run(reference, options, grid.SettingA, grid.ValuesA, grid.SettingB, grid.ValuesB, progress, run.CancellationToken);
        }
        var clock = Stopwatch.StartNew();
        var result = await run.Progress.RunAsync(() => train(run.Progress.For<RlProgress>(p => p.ToRunProgress(algorithm, clock.Elapsed))));
        if (result is RlGrid g)
        {
            // Every point's trained seeds beside the grid's table, named by the point (policy_kl-0.04_concern-cost-0.1.policy).
            var trainType = choices.Algorithm == RlAlgorithm.Ppo ? typeof(PpoOptions) : typeof(GrpoOptions);
            var policies = new List<string>();
            foreach (var point in g.Points)
            {
                var name = GridPointFileName(g.SettingA, point.A, g.SettingB, point.B, trainType);
                var file = run.Save(name, path => PolicyCheckpoint.Save(point.Run.Policy, path,
                    $"latentlab rl-train --algorithm {algorithm} --grid point {FlagOf(g.SettingA, trainType)}={Options.OptionText.Number(point.A)}, " +
                    $"{FlagOf(g.SettingB, trainType)}={Options.OptionText.Number(point.B)}, {point.Run.StepsCompleted} iterations" +
                    (point.Run.IsPartial ? " (PARTIAL: interrupted)" : "")));
                policies.Add(file);
            }
            var csv = run.Save("rl-grid.csv", path => ResultFiles.WriteCsv(g.ToDataFrame(), path));
            return new CliResult([csv, .. policies], $"{algorithm.ToUpperInvariant()} grid over {g.SettingA} x {g.SettingB}: {g.Points.Count} point(s) in " +
                                                     $"{ReportFormat.Duration(clock.Elapsed)}.", g.IsPartial);
        }
        var r = (RlRun)result;
        var policy = run.Save("policy.policy", path => PolicyCheckpoint.Save(r.Policy, path,
            $"latentlab rl-train --algorithm {algorithm}, {r.StepsCompleted} iterations" + (r.IsPartial ? " (PARTIAL: interrupted)" : "")));
        var rows = run.Save("rl-train.csv", path => ResultFiles.WriteCsv(r.ToDataFrame(), path));
        var summary = run.Save("rl-train-summary.csv", path => ResultFiles.WriteCsv(r.SummaryDataFrame(), path));
        return new CliResult([policy, rows, summary], $"{algorithm.ToUpperInvariant()}: {r.StepsCompleted} iterations on {r.Policy.Seeds} seed(s) in " +
                                                      $"{ReportFormat.Duration(clock.Elapsed)}.", r.IsPartial)
        {
            // For a sweep's table: every metric's final value, averaged over this run's seeds (rl-train-summary.csv has their CIs).
            Metrics = [new("steps_completed", r.StepsCompleted),
                       .. r.Rows.Select(x => x.Metric).Distinct().Select(m => new KeyValuePair<string, double>($"final_{m}", r.Final(m).Average()))],
        };
    }

    /// <summary>
    /// The policy file of a grid point: <c>policy_&lt;flag A&gt;-&lt;a&gt;_&lt;flag B&gt;-&lt;b&gt;.policy</c> with the settings' flags
    /// (e.g. <c>policy_kl-0.04_concern-cost-0.1.policy</c>); characters other than letters, digits, '.', '-' and '+' become '~'.
    /// </summary>
    public static string GridPointFileName(string settingA, double a, string settingB, double b, Type trainOptions) =>
        $"policy_{Safe(FlagOf(settingA, trainOptions))}-{Safe(Options.OptionText.Number(a))}_{Safe(FlagOf(settingB, trainOptions))}-{Safe(Options.OptionText.Number(b))}.policy";

    /// <summary>The flag, without dashes, of a grid setting (an environment setting or a knob of <paramref name="trainOptions"/>).</summary>
    static string FlagOf(string setting, Type trainOptions) => (RlGrid.Settings.Contains(setting)
        ? Options.OptionSchema.For<AlignmentEnvironmentOptions>().Of(setting)
        : Options.OptionSchema.For(trainOptions).Of(setting)).Flag.TrimStart('-');

    static string Safe(string text) => string.Concat(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' ? c : '~'));

    /// <summary>GRPO's options: its defaults (or the --options file read as a GrpoOptions), the shared PPO flags typed, then its own flags.</summary>
    static GrpoOptions GrpoOptionsOf(CliRun run, IReadOnlyList<KeyValuePair<string, string?>> grpoOnly)
    {
        var start = new GrpoOptions();
        if (run.Knobs.OptionsFile is { } file)
        {
            try
            {
                start = Options.OptionSchema.For<GrpoOptions>().With(start, OptionsFile.Read(file, Options.OptionSchema.For<GrpoOptions>()));
            }
            catch (ArgumentException e) when (e is not Options.OptionsException)
            {
                throw new ArgumentException($"--options {file} (read as a GrpoOptions, since --algorithm is grpo): {LatentLab.Options.UserErrors.MessageOf(e)}", e);
            }
        }
        return RlTrainChoices.Grpo(start, run.Line(Options.OptionSchema.For<PpoOptions>()), grpoOnly,
            run.Knobs.OptionsFile is { } source ? $"--options {source}" : null);
    }
}
