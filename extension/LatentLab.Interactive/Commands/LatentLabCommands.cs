using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// The central list of LatentLab magic commands. <c>#!latentlab</c> help is generated from whatever is registered here.
/// </summary>
/// <remarks>
/// <para><b>How to add a command</b> (each knob is written once, on its options record):</para>
/// <list type="number">
/// <item>In <c>extension/LatentLab</c>, an options record whose every knob is a property with an initializer (the default) and a
/// <c>[Knob("--flag", "one line of help", Min = .., Max = ..)]</c> attribute; rules across knobs go in <c>IKnobRules.BrokenRules()</c>
/// (write <c>{Property}</c> for a knob in a message). The science entry point calls <c>OptionSchema.Check(options)</c> first, so a
/// record made in C#, read from <c>--options</c> or typed on the line meets the same checks and messages.</item>
/// <item>Here, <c>Commands/&lt;Name&gt;Command.cs</c>: a <c>public sealed class &lt;Name&gt;Command : LatentLabCommand</c> with no
/// properties (the class name must be unique in the process) and a static <c>Definition</c> made with
/// <see cref="CommandDefinition.Create{TCommand}"/>: name, description, one example, the handler, <c>options: typeof(TheRecord)</c>,
/// <c>inputs:</c> records of files and variables the command reads (knobs too, e.g. <see cref="LatentLab.Probes.ProbeSweepInputs"/>), and
/// <c>defaultOut</c>. <c>--device</c>, <c>--out</c> and <c>--options</c> come from <see cref="NotebookKnobs"/>.</item>
/// <item>A handler of a few lines: <c>var options = cmd.Options&lt;TheRecord&gt;(ctx)</c> (the <c>--options</c> record or the defaults,
/// with the line applied, checked), <c>cmd.Get&lt;TheInputs&gt;()</c>, <c>TorchRuntime.ResolveDevice(cmd.DeviceName)</c>; start a <see cref="LivePanel"/> (bar, rate, ETA and a growing chart of
/// LatentLab's <c>Reports.RunPanel</c>) and call LatentLab with <c>live.For&lt;T&gt;(p =&gt; p.ToRunProgress())</c> as its <c>IProgress&lt;T&gt;</c> and <c>ctx.CancellationToken</c>; display the result; bind it with
/// <see cref="ResultBinding.BindAsync{T}"/> to <c>cmd.OutName</c>. Throw <c>ArgumentException</c> (or <see cref="CommandException"/>) for
/// problems the user can fix: <see cref="CommandRunner"/> turns every exception into one clean message; the kernel keeps running.</item>
/// <item>Add <c>&lt;Name&gt;Command.Definition,</c> to <see cref="All"/>. Flags, help, completions and validation follow.</item>
/// </list>
/// <para>The shortest complete example is <c>CotSyntheticCommand.cs</c>; tests/LatentLab.Interactive.Tests has a test-only
/// <c>#!test-echo</c> built the same way.</para>
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
        RlBakeCommand.Definition,
        RlTrainCommand.Definition,
        LlmLoadCommand.Definition,
        LlmGenerateCommand.Definition,
        LlmCotCommand.Definition,
        PerturbCommand.Definition,
        SweepCommand.Definition,

        FineTuneAttackCommand.Definition,
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
