using System.Diagnostics;
using LatentLab.Options;
using LatentLab.Reinforcement;
using LatentLab.Reports;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!rl-train</c>: PPO or GRPO from a reference policy on the alignment environment, all seeds batched as one network; live
/// rates and KL; binds the <see cref="RlRun"/> to <c>--out</c> (also when interrupted: then it is marked partial). Flags:
/// <see cref="PpoOptions"/> (GRPO reads the flags it shares, with its own defaults), GRPO's own knobs
/// (<see cref="RlTrainChoices.GrpoOnly"/>), <see cref="RlTrainChoices"/>, <see cref="RlTrainInputs"/> and the reward knobs of
/// <see cref="AlignmentEnvironmentOptions"/>, applied over the reference's environment.
/// </summary>
public sealed class RlTrainCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<RlTrainCommand>(
        name: "#!rl-train",
        description: "Trains a reference policy (from #!rl-bake) with PPO or GRPO on the alignment environment, every seed at once as one " +
                     "batched network, with a KL penalty to the reference. Environment flags (--concern-cost, --coupling, ...) change the reward " +
                     "over the reference's environment. Shows behaviour rates and KL over RL steps with 95% CIs across seeds. " +
                     "--options takes a PpoOptions (or, with --algorithm grpo, a GrpoOptions) record.",
        example: "#!rl-train --reference reference --algorithm ppo --kl 0.04 --seeds 16 --iterations 100 --out run",
        handleAsync: HandleAsync,
        options: typeof(PpoOptions),
        inputs: [typeof(RlTrainInputs), typeof(RlTrainChoices), typeof(AlignmentEnvironmentOptions)],
        defaultOut: "run",
        views: [RlTrainChoices.GrpoOnly]);

    static async Task HandleAsync(RlTrainCommand cmd, KernelInvocationContext ctx)
    {
        var inputs = cmd.Get<RlTrainInputs>();
        var choices = cmd.Get<RlTrainChoices>();
        if (choices.Grid is not null && inputs.Save is not null)
            throw new CommandException("--save saves one policy, but --grid trains one per point: drop one of them (each point's policy: grid.Points[i].Run.Policy).");
        var grpoOnly = cmd.Defined.LineValues(cmd).Where(v => v.Option.Schema == RlTrainChoices.GrpoOnly).ToList();
        if (choices.Algorithm == RlAlgorithm.Ppo && grpoOnly.Count > 0)
            throw new CommandException(RlTrainChoices.GrpoKnobWithPpo(grpoOnly[0].Option.Knob));
        var device = TorchRuntime.ResolveDevice(cmd.DeviceName);
        var reference = Reference(ctx, inputs.Reference ?? throw new CommandException(
            "--reference is required: name the policy to start from, e.g. #!rl-bake --out reference, then #!rl-train --reference reference."), device);
        // The reward knobs typed on the line apply over the reference's own environment; its shape must stay (the policy's
        // constructor names the mismatch, e.g. a --classes that is not the reference's).
        var environment = cmd.Defined.Read(cmd, reference.Environment.Options);
        if (environment != reference.Environment.Options)
            reference = new AlignmentPolicy(reference.Network, new AlignmentEnvironment(environment, reference.Environment.Device), reference.Options);

        var clock = Stopwatch.StartNew();
        string algorithm = choices.Algorithm == RlAlgorithm.Ppo ? "ppo" : "grpo";
        int iterations;
        Func<IProgress<RlProgress>, object> train;
        var grid = choices.Grid is { } text ? RlGrid.Parse(text) : default;
        int points = choices.Grid is null ? 1 : grid.ValuesA.Length * grid.ValuesB.Length;
        if (choices.Algorithm == RlAlgorithm.Ppo)
        {
            var options = cmd.Options<PpoOptions>(ctx);
            iterations = options.Iterations;
            train = choices.Grid is null
                ? progress => Ppo.Train(reference, options, null, progress, ctx.CancellationToken)
                : progress => RlGrid.Run(reference, options, grid.SettingA, grid.ValuesA, grid.SettingB, grid.ValuesB, progress, ctx.CancellationToken);
        }
        else
        {
            var options = GrpoOptionsOf(cmd, ctx);
            iterations = options.Iterations;
            train = choices.Grid is null
                ? progress => Grpo.Train(reference, options, null, progress, ctx.CancellationToken)
                : progress => RlGrid.Run(reference, options, grid.SettingA, grid.ValuesA, grid.SettingB, grid.ValuesB, progress, ctx.CancellationToken);
        }
        var live = LivePanel.Start(ctx, cmd, new RunPanel($"{algorithm.ToUpperInvariant()}, {iterations} iterations" + (points > 1 ? $" at each of {points} grid points" : ""), chartTitle: "Behaviour rates and KL so far (mean over seeds)"),
            TimeSpan.FromSeconds(1), interrupted: $"Interrupted: {cmd.OutName} will hold the partial run (the policy and metrics so far, marked partial).");
        var result = await Task.Run(() => train(live.For<RlProgress>(p => p.ToRunProgress(algorithm, clock.Elapsed))));
        live.Complete();
        ctx.Display(result, "text/html", "text/plain");
        if (result is RlGrid gridResult)
        {
            await ResultBinding.BindAsync(ctx, cmd.OutName, gridResult);
            return;
        }
        var run = (RlRun)result;
        await ResultBinding.BindThenSaveAsync(ctx, cmd.OutName, run, run.IsPartial ? null : inputs.Save,
            path => PolicyCheckpoint.Save(run.Policy, path, $"#!rl-train --algorithm {algorithm}, {run.StepsCompleted} iterations"),
            $"PolicyCheckpoint.Save({cmd.OutName}.Policy, \"another/path.policy\")");
    }

    /// <summary>GRPO's options: its defaults (or the --options GrpoOptions record), the shared flags typed on the line, then its own knobs.</summary>
    static GrpoOptions GrpoOptionsOf(RlTrainCommand cmd, KernelInvocationContext ctx)
    {
        var variable = cmd.Get<NotebookKnobs>().Options;
        var start = variable is { } name
            ? ResultBinding.GetVariable<GrpoOptions>(ctx, "--options", name, wrongType: t => $"--options {name}: with --algorithm grpo, --options needs a GrpoOptions record ('{name}' is {ResultBinding.WithArticle(t)}).")
            : new GrpoOptions();
        var line = cmd.Defined.LineValues(cmd);
        return RlTrainChoices.Grpo(start,
            line.Where(v => v.Option.Schema.RecordType == typeof(PpoOptions)).Select(v => new KeyValuePair<string, string?>(v.Option.Name, v.Text)),
            line.Where(v => v.Option.Schema == RlTrainChoices.GrpoOnly).Select(v => new KeyValuePair<string, string?>(v.Option.Name, v.Text)),
            variable is null ? null : $"--options {variable}");
    }

    /// <summary>The reference named by --reference: a C# variable (BakedReference, AlignmentPolicy, RlRun) or a policy file.</summary>
    static AlignmentPolicy Reference(KernelInvocationContext ctx, string name, TorchSharp.torch.Device device)
    {
        // A folder path (not a variable name): the loader says it is a folder, instead of "no variable or file".
        if (File.Exists(name) || (Directory.Exists(name) && !LatentLab.Options.OptionText.IsIdentifier(name))) return PolicyCheckpoint.Load(name, device).Policy;
        var value = ResultBinding.GetVariable<object>(ctx, "--reference", name,
            missing: $"--reference {name}: there is no C# variable or file named '{name}'. Bake one first: #!rl-bake --out {name} (or give a file saved with --save).");
        return value switch
        {
            BakedReference baked => baked.Policy,
            AlignmentPolicy policy => policy,
            RlRun run => run.Policy,
            _ => throw new CommandException($"--reference {name}: '{name}' is {ResultBinding.WithArticle(value.GetType().Name)}; --reference needs a BakedReference (from #!rl-bake), an AlignmentPolicy or an RlRun."),
        };
    }
}
