using LatentLab.Activations;
using LatentLab.Interactive.Formatting;
using LatentLab.Models;
using LatentLab.Reports;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!cot-synthetic</c>: trains a small decoder-only transformer on the synthetic multiple-choice chain-of-thought task
/// and binds its residual stream (every layer and position), its answers and its answer-letter logits as an
/// <see cref="ActivationSet"/> to <c>--out</c>, ready for <c>#!probe-sweep --activations acts</c>.
/// </summary>
public sealed class CotSyntheticCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<CotSyntheticCommand>(
        name: "#!cot-synthetic",
        description: "Trains a small transformer (nanoGPT-style) on a synthetic multiple-choice chain-of-thought task whose answer is decided " +
                     "part-way through the chain, then records its residual stream at every layer and position, its answers and its " +
                     "answer-letter logits on held-out questions: an ActivationSet for #!probe-sweep.",
        example: "#!cot-synthetic --steps 1500 --layers 3 --width 64 --seed 0 --out acts",
        handleAsync: HandleAsync,
        options: typeof(CotSyntheticOptions),
        defaultOut: "acts");

    static async Task HandleAsync(CotSyntheticCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<CotSyntheticOptions>(ctx);
        var device = TorchRuntime.ResolveDevice(cmd.DeviceName);
        var progress = LivePanel.Start(ctx, cmd, ProbeProgressView.Training(options), TimeSpan.FromSeconds(3),
            interrupted: $"Interrupted: {cmd.OutName} will hold the activations of the partly trained model (marked PARTIAL).");
        // An interrupt stops training and records the partly trained model (flagged PARTIAL); it is bound all the same
        // (.NET Interactive drops the interrupted cell's output, not the variable).
        var result = await Task.Run(() => CotSynthetic.RunDetailed(options, device, progress.For<CotSyntheticProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
        progress.Complete();
        ctx.Display(CotSyntheticView.Render(result), "text/html", "text/plain");
        await ResultBinding.BindAsync<ActivationSet>(ctx, cmd.OutName, result.Activations);
    }
}
