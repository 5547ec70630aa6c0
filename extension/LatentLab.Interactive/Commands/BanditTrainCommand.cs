using System.Net;
using LatentLab.Imitation;
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
    static readonly BanditTrainingOptions Defaults = new();

    public int Arms { get; set; } = Defaults.Arms;
    public int TrainHorizon { get; set; } = Defaults.TrainHorizon;
    public string Teacher { get; set; } = "ucb1";
    public int Hidden { get; set; } = Defaults.Hidden;
    public int HeadHidden { get; set; } = Defaults.HeadHidden;
    public int Layers { get; set; } = Defaults.Layers;
    public string Architecture { get; set; } = "per-arm";
    public bool TimeInput { get; set; }
    public int Steps { get; set; } = Defaults.Steps;
    public int Batch { get; set; } = Defaults.Batch;
    public double Lr { get; set; } = Defaults.LearningRate;
    public bool Dagger { get; set; }
    public bool Bc { get; set; }
    public double MixSteps { get; set; } = Defaults.TeacherMixSteps;
    public string Clock { get; set; } = Defaults.InverseTimeInput ? "inverse" : "none";
    public int MinTrainArms { get; set; } = Defaults.MinTrainArms;
    public double IndexLoss { get; set; } = Defaults.IndexLossWeight;
    public double IndexScale { get; set; } = Defaults.IndexScale;
    public double Average { get; set; } = Defaults.AverageDecay;
    public int Seed { get; set; }
    public int Threads { get; set; } = Defaults.Threads;
    public string Device { get; set; } = "auto";
    public string Out { get; set; } = "model";
    public string? Save { get; set; }
    public string? Options { get; set; }

    public static CommandDefinition Definition { get; } = CommandDefinition.Create<BanditTrainCommand>(
        name: "#!bandit-train",
        description: "Trains an LSTM student to imitate a bandit teacher (UCB1 by default) on K-armed Bernoulli bandits of --train-horizon pulls " +
                     "(DAgger unless --bc), with live loss and agreement; binds the trained student to --out for #!bandit-eval.",
        example: "#!bandit-train --arms 5 --train-horizon 50 --steps 300 --seed 0 --out model",
        options:
        [
            CommandOption.Int("--arms", "K, the number of arms of every bandit.", Defaults.Arms, 2, 64),
            CommandOption.Int("--train-horizon", "Pulls per training episode: the student never sees a later step.", Defaults.TrainHorizon, 1, 10_000),
            CommandOption.Choice("--teacher", "The algorithm the student imitates.", "ucb1", "ucb1", "thompson"),
            CommandOption.Int("--hidden", "LSTM hidden size.", Defaults.Hidden, 1, 4096),
            CommandOption.Int("--head-hidden", "Hidden units of the MLP head that turns the LSTM state into a score (0 = a linear head).", Defaults.HeadHidden, 0, 4096),
            CommandOption.Int("--layers", "Stacked LSTM layers.", Defaults.Layers, 1, 8),
            CommandOption.Choice("--architecture", "per-arm: one LSTM shared by the arms, one score each (default); joint: one LSTM over all arms (the textbook baseline).",
                "per-arm", "per-arm", "joint"),
            CommandOption.Switch("--time-input", "joint only: also feed t/H (goes out of range after the training horizon; the FACTS.md baseline)."),
            CommandOption.Int("--steps", "Gradient steps; each draws --batch fresh bandits.", Defaults.Steps, 1, 1_000_000),
            CommandOption.Int("--batch", "Episodes per gradient step.", Defaults.Batch, 1, 65_536),
            CommandOption.Number("--lr", "Adam learning rate (cosine-decayed to a tenth by the last step).", Defaults.LearningRate, 1e-6, 1.0),
            CommandOption.Switch("--dagger", "DAgger: the student acts and the teacher labels the states it visits (the default; say --bc for behaviour cloning).")
                with { Default = "on unless --bc" },
            CommandOption.Switch("--bc", "Plain behaviour cloning: the teacher always acts (the baseline DAgger improves on)."),
            CommandOption.Number("--mix-steps", "DAgger: fraction of the steps over which the teacher's share of actions falls from 1 to 0.",
                Defaults.TeacherMixSteps, 0, 1),
            CommandOption.Choice("--clock", "per-arm only: inverse feeds every arm 1/(t+1), a clock that stays in its training range past the horizon; none counts time only in the LSTM state.",
                Defaults.InverseTimeInput ? "inverse" : "none", "inverse", "none"),
            CommandOption.Int("--min-train-arms", "per-arm only: each gradient step plays K drawn from this..--arms (0 = always --arms).", Defaults.MinTrainArms, 0, 64),
            CommandOption.Number("--index-loss", "ucb1 teacher: weight of the distillation loss towards softmax(--index-scale x UCB1's index), which teaches " +
                "by how much every arm trails the best one, not only which is best (0 = off: plain cross-entropy on UCB1's choice).",
                Defaults.IndexLossWeight, 0, 100),
            CommandOption.Number("--index-scale", "Inverse temperature of that target: an arm whose UCB1 index trails the best by 1/scale gets e^-1 of its probability.",
                Defaults.IndexScale, 0.01, 10_000),
            CommandOption.Number("--average", "Weight averaging: the student returned is the moving average of the weights (decay per step; 0 = the last weights).",
                Defaults.AverageDecay, 0, 0.9999),
            CommandOption.Seed(),
            CommandOption.Int("--threads", "Torch threads during training (0: keep the process setting); 1 is fastest for this small LSTM and fixes the numbers across machines.",
                Defaults.Threads, 0, 1024),
            CommandOption.Device(),
            CommandOption.Out("model"),
            CommandOption.Text("--options", "C# variable holding a BanditTrainingOptions record (e.g. built in a parameters cell): every training " +
                "knob comes from it and the science options on this line are not used; --device, --out and --save still apply.", typeHint: "variable"),
            CommandOption.Text("--save", "Also save the trained student to this file (checkpoint; load it with #!bandit-eval --load PATH).", typeHint: "path"),
        ],
        handleAsync: HandleAsync);

    protected override IEnumerable<string> ValidateCombination()
    {
        if (Dagger && Bc)
            yield return "--dagger and --bc exclude each other: DAgger lets the student act, behaviour cloning never does. Give one of them.";
        if (TimeInput && Architecture == "per-arm")
            yield return "--time-input needs --architecture joint (the per-arm student has no time input).";
        if (Options is { } variable && OptionValidation.Identifier("--options", variable) is { } bad)
            yield return bad;
        if (Save is { } path && string.IsNullOrWhiteSpace(path))
            yield return "--save needs a file path, e.g. --save student.ckpt.";
    }

    /// <summary>The options record <see cref="BanditTrainer"/> takes.</summary>
    public BanditTrainingOptions ToOptions() => Defaults with
    {
        Arms = Arms,
        TrainHorizon = TrainHorizon,
        Teacher = BanditTrainingOptions.ParseTeacher(Teacher),
        Hidden = Hidden,
        HeadHidden = HeadHidden,
        Layers = Layers,
        Architecture = Architecture == "joint" ? StudentArchitecture.Joint : StudentArchitecture.PerArm,
        TimeInput = TimeInput,
        Steps = Steps,
        Batch = Batch,
        LearningRate = Lr,
        Dagger = !Bc,
        TeacherMixSteps = MixSteps,
        InverseTimeInput = Clock == "inverse" && Architecture == "per-arm",
        MinTrainArms = Architecture == "per-arm" ? Math.Min(MinTrainArms, Arms) : 0,
        IndexLossWeight = IndexLoss,
        IndexScale = IndexScale,
        AverageDecay = Average,
        Seed = Seed,
        Threads = Threads,
        ProgressEvery = Math.Clamp(Steps / 200, 1, 5),
    };

    static async Task HandleAsync(BanditTrainCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options is { } name
            ? ResultBinding.GetVariable<BanditTrainingOptions>(ctx, "--options", name)
            : cmd.ToOptions();
        options = options with { ProgressEvery = Math.Clamp(options.Steps / 200, 1, 5) };
        options.Validate();
        var device = TorchRuntime.ResolveDevice(cmd.Device);
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
        if (cmd.Save is { } path)
        {
            student.Save(path);
            ctx.Display(new HtmlFragment($"<div>Saved to <code>{WebUtility.HtmlEncode(path)}</code>.</div>", $"Saved to {path}."), "text/html", "text/plain");
        }
        await ResultBinding.BindAsync(ctx, cmd.Out, student);
        if (student.IsPartial)
        {
            ctx.Display(new HtmlFragment($"<div style=\"color:#b00\">Interrupted: <code>{WebUtility.HtmlEncode(cmd.Out)}</code> holds the partial student.</div>",
                $"Interrupted: {cmd.Out} holds the partial student."), "text/html", "text/plain");
        }
    }

    /// <summary>
    /// Runs on the interrupt, before .NET Interactive closes the cell: waits for the training loop to stop (it checks the
    /// token at every pull, so well under a second), binds the partial student to --out and says so in the live display.
    /// </summary>
    static bool KeepPartialStudent(BanditTrainCommand cmd, KernelInvocationContext ctx, Task<TrainedStudent> training,
        LivePanel live, BanditTrainingPanel panel)
    {
        if (!training.Wait(TimeSpan.FromSeconds(5)))
        {
            return false;                       // a very slow step: the handler binds it when the loop stops
        }
        var student = training.Result;
        ResultBinding.BindAsync(ctx, cmd.Out, student).GetAwaiter().GetResult();
        var message = $"Interrupted: {cmd.Out} holds the partial student ({student.StepsCompleted} of {student.Options.Steps} steps). " +
                      "Evaluate it as it is, or run the cell again to train from the start.";
        live.Show(panel.Finished(student, message));
        return true;
    }
}
