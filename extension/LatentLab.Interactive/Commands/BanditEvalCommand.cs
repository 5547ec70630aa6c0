using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Interactive.Formatting;
using LatentLab.Reports;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!bandit-eval</c>: runs a trained student (from a variable or a checkpoint) and classic baselines on the same fresh
/// bandits, shows cumulative regret with 95% CIs and agreement with UCB1, and binds the evaluation to <c>--out</c>.
/// All science is <see cref="BanditEvaluator"/>.
/// </summary>
public sealed class BanditEvalCommand : LatentLabCommand
{
    static readonly BanditEvaluationOptions Defaults = new();

    public string? Model { get; set; }
    public string? Load { get; set; }
    public int Horizon { get; set; } = Defaults.Horizon;
    public int Episodes { get; set; } = Defaults.Episodes;
    public string Baselines { get; set; } = "random,greedy,ucb1,thompson";
    public double Epsilon { get; set; } = Defaults.Epsilon;
    public int Seed { get; set; }
    public int Threads { get; set; } = Defaults.Threads;
    public string Device { get; set; } = "auto";
    public string Out { get; set; } = "evaluation";
    public string? Options { get; set; }

    public static CommandDefinition Definition { get; } = CommandDefinition.Create<BanditEvalCommand>(
        name: "#!bandit-eval",
        description: "Evaluates a trained student against classic bandit policies on the same fresh episodes: cumulative regret per step " +
                     "with 95% CIs, regret at the training horizon and at the end, agreement with UCB1 before and after the training horizon.",
        example: "#!bandit-eval --model model --horizon 100 --episodes 2000 --out evaluation",
        options:
        [
            CommandOption.Text("--model", "C# variable holding a trained student (from #!bandit-train --out); model when neither --model nor --load is given.",
                typeHint: "variable"),
            CommandOption.Text("--load", "A checkpoint file saved by #!bandit-train --save or student.Save(path). Give this or --model.", typeHint: "path"),
            CommandOption.Int("--horizon", "Pulls per evaluation episode (may go past the training horizon: that is the point).", Defaults.Horizon, 1, 10_000),
            CommandOption.Int("--episodes", "Fresh episodes, the same bandits and reward draws for every policy.", Defaults.Episodes, 2, 1_000_000),
            CommandOption.ChoiceList("--baselines", "Classic policies to compare with.", "random,greedy,ucb1,thompson",
                [.. PolicyNames.Classic]),
            CommandOption.Number("--epsilon", "Exploration rate of eps-greedy.", Defaults.Epsilon, 0, 1),
            CommandOption.Seed(),
            CommandOption.Int("--threads", "Torch threads during the evaluation (0: keep the process setting).", Defaults.Threads, 0, 1024),
            CommandOption.Device(),
            CommandOption.Out("evaluation"),
            CommandOption.Text("--options", "C# variable holding a BanditEvaluationOptions record (e.g. built in a parameters cell): horizon, " +
                "episodes, baselines, epsilon and seed come from it instead of this line; --model/--load, --device and --out still apply.", typeHint: "variable"),
        ],
        handleAsync: HandleAsync);

    protected override IEnumerable<string> ValidateCombination()
    {
        bool model = !string.IsNullOrWhiteSpace(Model), load = !string.IsNullOrWhiteSpace(Load);
        if (model && load)
            yield return $"give --model or --load, not both (got --model {Model} and --load {Load}).";
        else if (model && OptionValidation.Identifier("--model", Model!) is { } bad)
            yield return bad;
        if (Options is { } variable && OptionValidation.Identifier("--options", variable) is { } badOptions)
            yield return badOptions;
    }

    static async Task HandleAsync(BanditEvalCommand cmd, KernelInvocationContext ctx)
    {
        TrainedStudent student;
        TorchSharp.torch.Device device;
        if (string.IsNullOrWhiteSpace(cmd.Load))
        {
            var name = string.IsNullOrWhiteSpace(cmd.Model) ? "model" : cmd.Model;
            student = FindStudent(ctx, name);
            device = cmd.Device == "auto" ? student.Device : TorchRuntime.ResolveDevice(cmd.Device);
            if (device.type != student.Device.type)
                throw new ArgumentException($"{name} lives on {student.Device}; evaluate it with --device {student.Device.type.ToString().ToLowerInvariant()} " +
                                            $"(or save it and --load it with --device {cmd.Device}).");
        }
        else
        {
            device = TorchRuntime.ResolveDevice(cmd.Device);
            student = TrainedStudent.Load(cmd.Load!, device);
            ctx.Display(student, "text/html", "text/plain");
        }

        var options = cmd.Options is { } optionsName
            ? ResultBinding.GetVariable<BanditEvaluationOptions>(ctx, "--options", optionsName)
            : Defaults with
            {
                Horizon = cmd.Horizon,
                Episodes = cmd.Episodes,
                Baselines = cmd.Baselines.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Epsilon = cmd.Epsilon,
                Seed = cmd.Seed,
                Threads = cmd.Threads,
            };
        options.Validate();
        if (options.Horizon < student.TrainHorizon)
        {
            ctx.Display(new HtmlFragment(
                $"<div style=\"color:#b60\">Note: --horizon {options.Horizon} is shorter than the student's training horizon {student.TrainHorizon}; " +
                "this evaluation shows nothing past the training horizon. Use --horizon 100 or more to see the student learn online.</div>",
                $"Note: --horizon {options.Horizon} is shorter than the student's training horizon {student.TrainHorizon}; nothing past it is shown."),
                "text/html", "text/plain");
        }

        var live = LivePanel.Start(ctx, cmd, new RunPanel("Evaluating…", chart: false), TimeSpan.FromSeconds(0.5),
            interrupted: "Interrupted: the evaluation stopped; nothing was bound (an evaluation has no partial result). Run the cell again.");
        var evaluation = await Task.Run(() => BanditEvaluator.Evaluate(options, student, device, live.For<EvaluationProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
        live.Show(live.Panel.Finished($"Evaluated {evaluation.Curves.Count} policies on {evaluation.Episodes} episodes in {ReportFormat.Duration(evaluation.Elapsed)}."));

        ctx.Display(evaluation, "text/html", "text/plain");
        await ResultBinding.BindAsync(ctx, cmd.Out, evaluation);
    }

    /// <summary>The student bound to <paramref name="name"/> in the notebook's C# kernel; a clear message when there is none.</summary>
    static TrainedStudent FindStudent(KernelInvocationContext ctx, string name) =>
        ResultBinding.GetVariable<TrainedStudent>(ctx, "--model", name,
            missing: $"--model {name}: there is no variable '{name}' in this notebook. Create it with #!bandit-train --out {name} " +
                     "(or pass the variable that holds your student with --model), or evaluate a saved student with --load PATH.",
            wrongType: found => $"--model {name}: '{name}' is a {found}, not a trained student. Give the variable that #!bandit-train --out bound " +
                                "(a TrainedStudent), or --load a checkpoint.");
}
