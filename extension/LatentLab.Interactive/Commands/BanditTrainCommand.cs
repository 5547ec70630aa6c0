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
        // An interrupt ends this cell as soon as the callback returns: it only says what is kept. The partial student is
        // bound below, once the trainer has returned (the next cell waits for that: PendingResults).
        using (ctx.CancellationToken.Register(() => ShowInterrupted(cmd, training, live, panel)))
        {
            await training;
        }
        if (ctx.CancellationToken.IsCancellationRequested)
        {
            var partial = training.Result;
            InterruptTrace.Mark($"#!bandit-train: training returned ({partial.StepsCompleted} steps)");
            // The trainer is usually back before the cell has ended: BindAsync waits for that end before it binds.
            await ResultBinding.BindAsync(ctx, cmd.OutName, partial);      // its display is dropped when the cell has already ended
            InterruptTrace.Mark($"#!bandit-train: partial student bound to {cmd.OutName}");
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
    /// How long the interrupt waits for the training loop to stop before it ends the cell. The loop checks the token at every pull
    /// of a rollout and between the gradient chunks of a step, so it stops within tens of milliseconds; past this wait the cell
    /// ends anyway, with a message that does not give the step count.
    /// </summary>
    internal static TimeSpan StopWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs on the interrupt, on the cancelling thread, before .NET Interactive closes the cell (so it must be quick): waits up
    /// to <see cref="StopWait"/> for the trainer to return and turns the live display red with what is kept and how many steps.
    /// Binding (a C# declaration: 0.05-0.3 s) is left to the handler, which runs on once the cell has ended.
    /// </summary>
    static void ShowInterrupted(BanditTrainCommand cmd, Task<TrainedStudent> training, LivePanel live, BanditTrainingPanel panel)
    {
        InterruptTrace.Mark("#!bandit-train: cancellation callback runs");
        const string next = "Evaluate it as it is, or run the cell again to train from the start.";
        try
        {
            if (training.Wait(StopWait))
            {
                var student = training.Result;
                InterruptTrace.Mark("#!bandit-train: trainer returned");
                live.Show(panel.Finished(student, student.IsPartial
                    ? $"Interrupted: {cmd.OutName} holds the partial student ({student.StepsCompleted} of {student.Options.Steps} steps). {next}"
                    : $"Interrupted as training ended: {cmd.OutName} holds the trained student ({student.StepsCompleted} steps); it was not saved."));
                InterruptTrace.Mark($"#!bandit-train: interrupted panel shown ({student.StepsCompleted} steps)");
                return;
            }
        }
        catch (AggregateException)
        {
            return;                             // the training failed: the handler reports it
        }
        InterruptTrace.Mark("#!bandit-train: the trainer is not back yet");
        live.Show(panel.Interrupted(
            $"Interrupted: {cmd.OutName} holds the partial student (the steps completed so far: {cmd.OutName}.StepsCompleted says how many). {next}"));
        InterruptTrace.Mark("#!bandit-train: trainer still stopping; interrupted panel shown without the step count");
    }
}
