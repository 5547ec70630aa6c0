using System.Net;
using LatentLab.Interactive.Formatting;
using LatentLab.Reports;
using LatentLab.Sweeps;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!sweep</c>: runs a <c>latentlab</c> command over a grid of its options and a list of seeds, each point in its own
/// process, locally or as a Slurm job array (<see cref="Sweep"/>), with live progress; binds the merged <see cref="SweepTable"/>
/// to <c>--out</c>. The commands and their options come from the tool's own registry (<c>latentlab sweep --list-commands</c>).
/// An interrupt kills (or scancels) the running points and keeps the finished ones; running the cell again resumes.
/// </summary>
public sealed class SweepCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<SweepCommand>(
        name: "#!sweep",
        description: "Runs a latentlab command over a grid of its options and a list of seeds, each point in its own process, on local workers " +
                     "or as a Slurm job array, into --folder (run again to resume); binds the merged table (one row per point, mean and 95% CI per setting) to --out.",
        example: "#!sweep --command bandit-train --grid \"hidden=16,32\" --fixed \"steps=200\" --seeds 0-3 --workers 2 --folder runs/hidden --out sweep",
        handleAsync: HandleAsync,
        options: typeof(SweepOptions),
        defaultOut: "sweep",
        device: false);

    static async Task HandleAsync(SweepCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<SweepOptions>(ctx);
        var tool = SweepTool.Resolve(options.Tool);
        var commands = await SweepCatalog.FromToolAsync(tool, ctx.CancellationToken);
        var panel = new RunPanel($"Sweep of {options.Command} on {options.On.ToString().ToLowerInvariant()} into {options.Folder}", chart: false);
        var live = LivePanel.Start(ctx, cmd, panel, TimeSpan.FromSeconds(1),
            interrupted: "Interrupted: the running points are stopped; finished points are kept in the folder. Run the cell again to resume.");
        var outcome = await Task.Run(() => Sweep.RunAsync(options, commands, tool, live.For<SweepRunProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
        live.Complete();
        var table = outcome.Table();
        ctx.Display(Summary(outcome, cmd.OutName), "text/html", "text/plain");
        // Bound first: a folder that cannot take points.csv / settings.csv any more is a warning, never the loss of the table.
        await ResultBinding.BindThenSaveAsync(ctx, cmd.OutName, table, outcome.Folder.Path, folder => table.Save(folder),
            $"{cmd.OutName}.Save(\"another/folder\")");
    }

    static HtmlFragment Summary(SweepOutcome outcome, string name)
    {
        var plan = outcome.Folder.Plan;
        var text = $"Sweep of {plan.Command.Name}: {plan.Points.Count} points ({plan.Settings} settings x {Math.Max(1, plan.Seeds.Count)} seeds) in {plan.Options.Folder}: " +
                   $"{outcome.Done} done ({outcome.Skipped} before this run), {outcome.Failed} failed, {outcome.Pending} not run, in {ReportFormat.Duration(outcome.Elapsed)}. " +
                   $"{name}.Points: one row per point; {name}.Settings: mean and 95% t-CI across seeds per setting." +
                   (outcome.Failed + outcome.Pending > 0 ? " Run the cell again to resume." : "");
        var failures = outcome.Points.Where(p => p.State == PointState.Failed).Take(10)
            .Select(p => $"<li><code>{WebUtility.HtmlEncode(p.Point.Name)}</code>: {WebUtility.HtmlEncode(p.Error)}</li>").ToList();
        var html = $"<div>{WebUtility.HtmlEncode(text)}</div>" + (failures.Count == 0 ? "" : $"<div style=\"color:#b00\">Failed points:<ul>{string.Concat(failures)}</ul></div>");
        return new HtmlFragment(html, text);
    }
}
