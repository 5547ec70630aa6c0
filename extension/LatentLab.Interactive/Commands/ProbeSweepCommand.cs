using LatentLab.Interactive.Formatting;
using LatentLab.Probes;
using LatentLab.Reports;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!probe-sweep</c>: a linear probe at every (layer, position) of an activation set, cross-validated, with 95% CIs,
/// the control task and the answer-letter baseline. Shows a summary, a heatmap, the best layer along the chain and the
/// DataFrame; binds the <see cref="ProbeSweepResult"/> to <c>--out</c> (also when interrupted: then it is marked partial).
/// </summary>
public sealed class ProbeSweepCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<ProbeSweepCommand>(
        name: "#!probe-sweep",
        description: "Trains a linear probe (L2 logistic regression on standardised features) at every layer x position of an activation set, " +
                     "all at once on the device, with k-fold cross-validation: accuracy with 95% CI, control task and selectivity, " +
                     "and the answer-letter logits baseline. Shows a heatmap, the best layer along the chain and the DataFrame.",
        example: "#!probe-sweep --activations acts --layers all --folds 5 --control --out sweep",
        handleAsync: HandleAsync,
        options: typeof(ProbeSweepOptions),
        inputs: [typeof(ProbeSweepInputs)],
        defaultOut: "sweep");

    static async Task HandleAsync(ProbeSweepCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<ProbeSweepOptions>(ctx);
        var inputs = cmd.Get<ProbeSweepInputs>();
        var device = TorchRuntime.ResolveDevice(cmd.DeviceName);
        var source = ProbeActivationSource.Resolve(ctx, inputs.Activations, inputs.Labels, inputs.Groups, inputs.Baseline);
        try
        {
            var progress = LivePanel.Start(ctx, cmd, ProbeProgressView.Sweep(source.Set), TimeSpan.FromSeconds(1),
                interrupted: $"Interrupted: {cmd.OutName} will hold the partial sweep (the layers finished so far, marked partial).");
            var result = await Task.Run(() => ProbeSweep.Run(source.Set, options, device, progress.For<SweepProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
            progress.Complete();
            ctx.Display(result, "text/html", "text/plain");
            ctx.Display(ProbeSweepView.DataFrame(result, cmd.OutName), "text/html", "text/plain");
            // Also after an interrupt (the result is then marked partial); .NET Interactive drops that cell's output, not the variable.
            await ResultBinding.BindAsync(ctx, cmd.OutName, result);
        }
        finally
        {
            if (source.Owned) source.Set.Dispose();
        }
    }
}
