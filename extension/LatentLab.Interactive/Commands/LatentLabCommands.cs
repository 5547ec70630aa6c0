using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// The central list of LatentLab magic commands. <c>#!latentlab</c> help is generated from whatever is registered here.
/// </summary>
/// <remarks>
/// <para><b>How to add a command</b> (one new file + one line in <see cref="All"/>):</para>
/// <list type="number">
/// <item>Create <c>Commands/&lt;Name&gt;Command.cs</c> with a <c>public sealed class &lt;Name&gt;Command : LatentLabCommand</c>
/// (the class name must be unique in the process: .NET Interactive finds command types by simple name).</item>
/// <item>One public property per option, named after it in PascalCase (<c>--train-horizon</c> -> <c>TrainHorizon</c>), whose
/// initializer is the default; switches are <c>bool</c>. Int options are <c>int</c>, number options <c>double</c>,
/// everything else <c>string</c> (lists such as <c>--layers 0,1,2</c> are strings; a lone number <c>--layers 3</c> arrives as "3").
/// A value of the wrong type (<c>--arms five</c>) is rejected by .NET Interactive itself (DNI106, naming the option).</item>
/// <item>A static <c>Definition</c> made with <see cref="CommandDefinition.Create{TCommand}"/>: name, description, one
/// example, and the options made with the <see cref="CommandOption"/> factories (<c>Int</c>, <c>Number</c>, <c>Choice</c>,
/// <c>ChoiceList</c>, <c>Text</c>, <c>Switch</c>, <c>Device()</c>, <c>Seed()</c>, <c>Out(default)</c>). Ranges and choices are
/// checked before the handler runs (DNI211, message naming option, value and allowed values); choices are completions.
/// Rules across options go in <c>protected override IEnumerable&lt;string&gt; ValidateCombination()</c>.</item>
/// <item>A handler of a few lines: map the options to a LatentLab options record, start a <see cref="LivePanel"/> (the
/// live bar, rate, ETA and growing chart of LatentLab's <c>Reports.RunPanel</c>), call LatentLab with
/// <c>live.For&lt;T&gt;(p =&gt; p.ToRunProgress())</c> as its <c>IProgress&lt;T&gt;</c> and <c>context.CancellationToken</c>, display the result,
/// bind it with <see cref="ResultBinding.BindAsync{T}"/>. Throw <c>ArgumentException</c> (or <see cref="CommandException"/>)
/// for problems the user can fix: <see cref="CommandRunner"/> turns every exception into one clean CommandFailed
/// message and an interrupt into "interrupted"; the kernel keeps running.</item>
/// <item>Add <c>&lt;Name&gt;Command.Definition,</c> to <see cref="All"/>. Help, completions and validation follow.</item>
/// </list>
/// <para><b>Example</b> (the shape of <c>Commands/BanditEvalCommand.cs</c>; LatentLab names are illustrative):</para>
/// <code><![CDATA[
/// using LatentLab.Reports;                  // RunPanel, ToRunProgress
/// using Microsoft.DotNet.Interactive;        // KernelInvocationContext
///
/// namespace LatentLab.Interactive.Commands;
///
/// public sealed class BanditEvalCommand : LatentLabCommand
/// {
///     public string? Model { get; set; }
///     public string? Load { get; set; }
///     public int Horizon { get; set; } = 100;
///     public string Baselines { get; set; } = "random,greedy,ucb1,thompson";
///     public int Seed { get; set; }
///     public string Device { get; set; } = "auto";
///     public string Out { get; set; } = "evaluation";
///
///     public static CommandDefinition Definition { get; } = CommandDefinition.Create<BanditEvalCommand>(
///         name: "#!bandit-eval",
///         description: "Evaluates a trained student against classic bandit policies: cumulative regret with 95% CI per step.",
///         example: "#!bandit-eval --model model --horizon 100 --out evaluation",
///         options:
///         [
///             CommandOption.Text("--model", "C# variable holding a trained student (from #!bandit-train).", typeHint: "variable"),
///             CommandOption.Text("--load", "Checkpoint file of a trained student (instead of --model).", typeHint: "path"),
///             CommandOption.Int("--horizon", "Steps per episode.", 100, 1, 100_000),
///             CommandOption.ChoiceList("--baselines", "Policies to compare with.", "random,greedy,ucb1,thompson",
///                 "random", "greedy", "ucb1", "thompson"),
///             CommandOption.Seed(),
///             CommandOption.Device(),
///             CommandOption.Out("evaluation"),
///         ],
///         handleAsync: async (cmd, ctx) =>
///         {
///             var live = LivePanel.Start(ctx, cmd, new RunPanel("Evaluating…"));
///             var options = new BanditEvalOptions(cmd.Horizon, cmd.Baselines.Split(','), cmd.Seed, cmd.Device);
///             var result = await Task.Run(() => BanditEvaluation.Run(options, live.For<EvalProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
///             live.Complete();
///             ctx.Display(result, "text/html", "text/plain");
///             await ResultBinding.BindAsync(ctx, cmd.Out, result);
///         });
///
///     protected override IEnumerable<string> ValidateCombination()
///     {
///         if ((Model is null) == (Load is null)) yield return "give either --model (a variable) or --load (a file), not both.";
///     }
/// }
/// ]]></code>
/// <para>then in <see cref="All"/>: <c>BanditEvalCommand.Definition,</c>. The LatentLab call itself resolves
/// <c>--device</c> with <c>TorchRuntime.ResolveDevice</c> (which initialises TorchSharp) and seeds with <c>TorchRuntime.Seed</c>.
/// A C# variable named by an option (<c>--model model</c>) is read with
/// <c>ResultBinding.GetVariable&lt;StudentModel&gt;(ctx, "--model", cmd.Model)</c> (clear message when missing or of another type). Charts inside a result's
/// HTML go through <c>ChartSession.ToHtml(chart)</c>; a live panel draws its own chart without plotly.js. Test a new command like
/// tests/LatentLab.Interactive.Tests does with its test-only <c>#!test-echo</c>: bad values, --out, progress, interrupt.</para>
/// </remarks>
public static class LatentLabCommands
{
    /// <summary>Every LatentLab magic command, in the order help lists them. Add one line per command.</summary>
    public static IReadOnlyList<CommandDefinition> All { get; } =
    [
        LatentLabHelpCommand.Definition,
        BanditTrainCommand.Definition,
        BanditEvalCommand.Definition,
        CotSyntheticCommand.Definition,
        ProbeSweepCommand.Definition,
    ];

    /// <summary>Registers every command in <see cref="All"/> on <paramref name="kernel"/> (the root kernel in a notebook).</summary>
    public static void RegisterAll(Kernel kernel)
    {
        foreach (var definition in All)
        {
            definition.AddTo(kernel);
        }
    }
}
