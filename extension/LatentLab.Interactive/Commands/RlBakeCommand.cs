using System.Diagnostics;
using LatentLab.Reinforcement;
using LatentLab.Reports;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!rl-bake</c>: bakes behaviour rates into a reference policy for the alignment RL lab, to a chosen depth (split, margin,
/// targets, layers, over-training, rescaling), and binds the <see cref="BakedReference"/> to <c>--out</c> (also when
/// interrupted: then it is marked partial). Flags: <see cref="BakeOptions"/>, <see cref="BehaviourRateKnobs"/> (preset, rates),
/// <see cref="RlBakeInputs"/> (save), <see cref="AlignmentEnvironmentOptions"/> and <see cref="PolicyOptions"/>.
/// </summary>
public sealed class RlBakeCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<RlBakeCommand>(
        name: "#!rl-bake",
        description: "Bakes behaviour rates (comply / sandbag / refuse, concerns) per context type into a small MLP (or, with --policy gru, GRU) reference policy for the " +
                     "alignment RL lab, matched to a KL tolerance, at a chosen depth (split, margin, soft or hard targets, layers, " +
                     "over-training, rescaling). Shows the achieved rates beside their targets; the reference is the start of #!rl-train.",
        example: "#!rl-bake --preset alignment-faking-2024 --split stochastic --width 64 --seeds 1 --out reference",
        handleAsync: HandleAsync,
        options: typeof(BakeOptions),
        inputs: [typeof(BehaviourRateKnobs), typeof(RlBakeInputs), typeof(AlignmentEnvironmentOptions), typeof(PolicyOptions)],
        defaultOut: "reference");

    static async Task HandleAsync(RlBakeCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<BakeOptions>(ctx);
        var inputs = cmd.Get<RlBakeInputs>();
        // The line's policy knobs apply over the record's policy (baking starts with output gain 1, not the RL default).
        options = options with { Policy = cmd.Defined.Read(cmd, options.Policy), Rates = cmd.Get<BehaviourRateKnobs>().Rates(cmd.Get<NotebookKnobs>().Options is null ? null : options.Rates) };
        options.Validate();
        var environment = new AlignmentEnvironment(cmd.Get<AlignmentEnvironmentOptions>(), TorchRuntime.ResolveDevice(cmd.DeviceName));
        var clock = Stopwatch.StartNew();
        var live = LivePanel.Start(ctx, cmd, new RunPanel($"baking {options.Seeds} reference seed(s), up to {options.MaxSteps} steps", chartTitle: "KL(target || pi) per context type so far"),
            TimeSpan.FromSeconds(1), interrupted: $"Interrupted: {cmd.OutName} will hold the partly baked reference (marked partial).");
        var baked = await Task.Run(() => ReferenceBaker.Bake(environment, options, live.For<BakeProgress>(p => p.ToRunProgress(clock.Elapsed)), ctx.CancellationToken));
        live.Complete();
        ctx.Display(baked, "text/html", "text/plain");
        await ResultBinding.BindThenSaveAsync(ctx, cmd.OutName, baked, baked.IsPartial ? null : inputs.Save,
            path => PolicyCheckpoint.Save(baked.Policy, path, $"#!rl-bake, {baked.Steps} steps"),
            $"PolicyCheckpoint.Save({cmd.OutName}.Policy, \"another/path.policy\")");
    }
}
