using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentLab.Options;
using LatentLab.Reports;
using LatentLab.Sweeps;

namespace LatentLab.Cli.Commands;

/// <summary>The console-only knob of <c>latentlab sweep</c>: the command list the notebook's <c>#!sweep</c> reads.</summary>
public sealed record SweepCliInputs
{
    /// <summary>Print the commands a sweep can run, as JSON, and exit.</summary>
    [Knob("--list-commands", "Print the commands a sweep can run with their option records and flags as JSON, then exit (the notebook's #!sweep reads it).")]
    public bool ListCommands { get; init; }
}

/// <summary>
/// <c>latentlab sweep</c>: <see cref="Sweep.RunAsync"/> with the knobs of <see cref="SweepOptions"/>, over every other command of
/// <see cref="CliCommands.All"/> (new commands join by being registered there). Writes points.csv and settings.csv into the sweep's folder.
/// </summary>
public static class SweepCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "sweep",
        description: "Runs one latentlab command over a grid of its options and a list of seeds, each point in its own process, locally (a pool of " +
                     "workers) or as a Slurm job array, into one folder; running it again resumes (done points are skipped, failed ones rerun). " +
                     "Writes points.csv (one row per point: settings, seed, state, metrics, error) and settings.csv (per setting: mean and 95% t-CI across seeds).",
        example: "latentlab sweep --command bandit-train --grid \"lr=0.003,0.01\" --fixed \"steps=200\" --seeds 0-3 --workers 2 --folder runs/lr-sweep",
        options: typeof(SweepOptions),
        inputs: [typeof(SweepCliInputs)],
        run: RunAsync);

    /// <summary>The commands a sweep can run: every registered command but sweep itself, with all its option records.</summary>
    public static IReadOnlyList<SweepableCommand> Commands() =>
        CliCommands.All.Where(c => c.Name != "sweep").Select(c => new SweepableCommand(c.Name, c.Schemas, [])).ToList();

    /// <summary>The JSON of <c>--list-commands</c>: per command, its records (type, assembly) and their flags.</summary>
    public static string ListJson() => new JsonArray(CliCommands.All.Where(c => c.Name != "sweep").Select(c => (JsonNode)new JsonObject
    {
        ["name"] = c.Name,
        ["records"] = new JsonArray(c.Schemas.Select(s => (JsonNode)new JsonObject
        {
            ["type"] = s.RecordType.FullName,
            ["assembly"] = s.RecordType.Assembly.GetName().Name,
            ["flags"] = new JsonArray(s.Knobs.Where(k => !k.IsHidden).Select(k => (JsonNode)k.Flag).ToArray()),
        }).ToArray()),
    }).ToArray()).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    static async Task<CliResult> RunAsync(CliRun run)
    {
        if (run.Get<SweepCliInputs>().ListCommands)
        {
            await run.Output.WriteLineAsync(ListJson()).ConfigureAwait(false);
            return new CliResult([], "");
        }
        var options = run.Get<SweepOptions>();
        var tool = SweepTool.Resolve(options.Tool, SweepTool.Current(Assembly.GetEntryAssembly()?.Location));
        var commands = Commands();
        var outcome = await run.Progress.RunAsync(() =>
            Sweep.RunAsync(options, commands, tool, run.Progress.For<SweepRunProgress>(p => p.ToRunProgress()), run.CancellationToken).GetAwaiter().GetResult());
        var table = outcome.Table();
        var saved = table.Save(outcome.Folder.Path);
        foreach (var failed in outcome.Points.Where(p => p.State == PointState.Failed))
            await run.Error.WriteLineAsync($"latentlab sweep: point {failed.Point.Name} failed: {failed.Error}").ConfigureAwait(false);
        foreach (var lost in outcome.Points.Where(p => p.State == PointState.Pending && p.Error is not null))
            await run.Error.WriteLineAsync($"latentlab sweep: point {lost.Point.Name} {lost.Error}").ConfigureAwait(false);
        var plan = outcome.Folder.Plan;
        var summary = $"Sweep of {plan.Command.Name}: {plan.Points.Count} points ({plan.Settings} settings x {Math.Max(1, plan.Seeds.Count)} seeds): " +
                      $"{outcome.Done} done ({outcome.Skipped} of them before this run), " +
                      $"{outcome.Failed} failed, {outcome.Pending} not run, in {ReportFormat.Duration(outcome.Elapsed)}" +
                      (outcome.Pending + outcome.Failed > 0 ? "; run the same command again to resume." : ".");
        // Not interrupted but not every point done: exit 3 (scripts must not take the tables as complete); the tables are written all the same.
        int notDone = outcome.Failed + outcome.Pending;
        return new CliResult([.. saved, Path.Combine(outcome.Folder.Path, SweepFolder.ManifestFile)], summary, outcome.Interrupted)
        {
            ExitCode = notDone > 0 ? ExitCodes.PointsFailed : null,
            Problem = notDone == 0 ? null :
                $"{notDone} of {plan.Points.Count} points not done ({outcome.Failed} failed" + (outcome.Pending > 0 ? $", {outcome.Pending} ended without a result" : "") +
                $"; each is listed above with its message, and its stderr.log is in its folder under {Path.Combine(outcome.Folder.Path, "points")}). " +
                $"The tables hold every point, the {outcome.Done} done with their metrics; exit code {ExitCodes.PointsFailed}. " +
                "Fix the cause and run the same command again: only the points not done run.",
            Metrics = [new("points", plan.Points.Count), new("done", outcome.Done), new("failed", outcome.Failed), new("pending", outcome.Pending)],
        };
    }
}
