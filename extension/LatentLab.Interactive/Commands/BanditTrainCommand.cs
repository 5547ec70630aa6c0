using System.Net;
using LatentLab.Imitation;
using LatentLab.Interactive.Hosting;
using LatentLab.Interactive.Formatting;
using LatentLab.Reports;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!bandit-train</c>: trains an LSTM student to imitate a bandit teacher (UCB1 by default) on episodes of
/// <c>--train-horizon</c> pulls, with one live display, and binds the trained student to <c>--out</c>.
/// An interrupt stops it within a step and keeps the partial student. All science is <see cref="BanditTrainer"/>.
/// </summary>
public sealed class BanditTrainCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<BanditTrainCommand>(
        name: "#!bandit-train",
        description: "Trains an LSTM student to imitate a bandit teacher (UCB1 by default) on K-armed Bernoulli bandits of --train-horizon pulls " +
                     "(DAgger unless --bc), with live loss and agreement; binds the trained student to --out for #!bandit-eval.",
        example: "#!bandit-train --arms 5 --train-horizon 50 --steps 300 --seed 0 --out model",
        handleAsync: HandleAsync,
        options: typeof(BanditTrainingOptions),
        inputs: [typeof(BanditTrainInputs)],
        defaultOut: "model");

    static async Task HandleAsync(BanditTrainCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<BanditTrainingOptions>(ctx);
        var save = cmd.Get<BanditTrainInputs>().Save;
        var device = TorchRuntime.ResolveDevice(cmd.DeviceName);
        PlotlyCarrier.EnsureLoaded(ctx);
        var panel = new BanditTrainingPanel(options, device.ToString());
        var live = LivePanel.Start(ctx, cmd, panel.Panel, TimeSpan.FromSeconds(1));

        var training = Task.Run(() => BanditTrainer.Train(options, device, live.For<TrainingProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
        // An interrupt completes this cell at once; keep the partial student while the cell can still show output.
        bool kept = false;
        using (ctx.CancellationToken.Register(() => kept = KeepPartialStudent(cmd, ctx, training, live, panel)))
        {
            await training;
        }
        if (kept)
        {
            return;
        }
        var student = training.Result;
        live.Show(panel.Finished(student));
        ctx.Display(student, "text/html", "text/plain");
        // Bind first: a finished training is never lost to a failed save.
        await ResultBinding.BindThenSaveAsync(ctx, cmd.OutName, student, save, student.Save, $"{cmd.OutName}.Save(\"another/path.ckpt\")");
        if (student.IsPartial)
        {
            ctx.Display(new HtmlFragment($"<div style=\"color:#b00\">Interrupted: <code>{WebUtility.HtmlEncode(cmd.OutName)}</code> holds the partial student.</div>",
                $"Interrupted: {cmd.OutName} holds the partial student."), "text/html", "text/plain");
        }
    }

    /// <summary>
    /// Runs on the interrupt, before .NET Interactive closes the cell: waits for the training loop to stop (it checks the
    /// token at every pull, so well under a second), binds the partial student to --out and says so in the live display.
    /// </summary>
    static bool KeepPartialStudent(BanditTrainCommand cmd, KernelInvocationContext ctx, Task<TrainedStudent> training,
        LivePanel live, BanditTrainingPanel panel)
    {
        InterruptTrace.Mark("#!bandit-train: cancellation callback runs; waiting for the training loop");
        if (!training.Wait(TimeSpan.FromSeconds(5)))
        {
            return false;                       // a very slow step: the handler binds it when the loop stops
        }
        var student = training.Result;
        InterruptTrace.Mark($"#!bandit-train: training loop returned ({student.StepsCompleted} steps)");
        ResultBinding.BindAsync(ctx, cmd.OutName, student).GetAwaiter().GetResult();
        InterruptTrace.Mark($"#!bandit-train: partial student bound to {cmd.OutName}");
        var message = $"Interrupted: {cmd.OutName} holds the partial student ({student.StepsCompleted} of {student.Options.Steps} steps). " +
                      "Evaluate it as it is, or run the cell again to train from the start.";
        live.Show(panel.Finished(student, message));
        InterruptTrace.Mark("#!bandit-train: interrupted panel shown; callback returns");
        return true;
    }
}
