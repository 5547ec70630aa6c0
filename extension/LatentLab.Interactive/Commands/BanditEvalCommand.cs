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
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<BanditEvalCommand>(
        name: "#!bandit-eval",
        description: "Evaluates a trained student against classic bandit policies on the same fresh episodes: cumulative regret per step " +
                     "with 95% CIs, regret at the training horizon and at the end, agreement with UCB1 before and after the training horizon.",
        example: "#!bandit-eval --model model --horizon 100 --episodes 2000 --out evaluation",
        handleAsync: HandleAsync,
        options: typeof(BanditEvaluationOptions),
        inputs: [typeof(BanditEvalInputs)],
        defaultOut: "evaluation");

    static async Task HandleAsync(BanditEvalCommand cmd, KernelInvocationContext ctx)
    {
        var inputs = cmd.Get<BanditEvalInputs>();
        TrainedStudent student;
        TorchSharp.torch.Device device;
        if (string.IsNullOrWhiteSpace(inputs.Load))
        {
            var name = string.IsNullOrWhiteSpace(inputs.Model) ? "model" : inputs.Model;
            student = FindStudent(ctx, name);
            device = cmd.DeviceName == "auto" ? student.Device : TorchRuntime.ResolveDevice(cmd.DeviceName);
            if (device.type != student.Device.type)
                throw new ArgumentException($"{name} lives on {student.Device}; evaluate it with --device {student.Device.type.ToString().ToLowerInvariant()} " +
                                            $"(or save it and --load it with --device {cmd.DeviceName}).");
        }
        else
        {
            device = TorchRuntime.ResolveDevice(cmd.DeviceName);
            student = TrainedStudent.Load(inputs.Load!, device);
            ctx.Display(student, "text/html", "text/plain");
        }

        var options = cmd.Options<BanditEvaluationOptions>(ctx);
        if (options.Horizon < student.TrainHorizon)
        {
            ctx.Display(new HtmlFragment(
                $"<div style=\"color:#b60\">Note: --horizon {options.Horizon} is shorter than the student's training horizon {student.TrainHorizon}; " +
                "this evaluation shows nothing past the training horizon. Use --horizon 100 or more to see the student learn online.</div>",
                $"Note: --horizon {options.Horizon} is shorter than the student's training horizon {student.TrainHorizon}; nothing past it is shown."),
                "text/html", "text/plain");
        }

        var live = LivePanel.Start(ctx, cmd, new RunPanel("Evaluating…", chart: false), TimeSpan.FromSeconds(0.5),
            interrupted: $"Interrupted: {cmd.OutName} will hold the policies evaluated so far (marked PARTIAL); the one running is left out.");
        var evaluation = await Task.Run(() => StudentEvaluator.Evaluate(options, student, device, live.For<EvaluationProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
        live.Show(live.Panel.Finished($"Evaluated {evaluation.Curves.Count} policies on {evaluation.Episodes} episodes in {ReportFormat.Duration(evaluation.Elapsed)}."));

        ctx.Display(evaluation, "text/html", "text/plain");
        await ResultBinding.BindAsync(ctx, cmd.OutName, evaluation);
    }

    /// <summary>The student bound to <paramref name="name"/> in the notebook's C# kernel; a clear message when there is none.</summary>
    static TrainedStudent FindStudent(KernelInvocationContext ctx, string name) =>
        ResultBinding.GetVariable<TrainedStudent>(ctx, "--model", name,
            missing: $"--model {name}: there is no variable '{name}' in this notebook. Create it with #!bandit-train --out {name} " +
                     "(or pass the variable that holds your student with --model), or evaluate a saved student with --load PATH.",
            wrongType: found => $"--model {name}: '{name}' is {ResultBinding.WithArticle(found)}, not a trained student. Give the variable that #!bandit-train --out bound " +
                                "(a TrainedStudent), or --load a checkpoint.",
            recreate: $"run #!bandit-train --out {name} again, or evaluate its checkpoint with --load PATH");
}
