using LatentLab.Interactive.Formatting;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!finetune-attack</c>: k = 1, 2, 4, ..., 64 gradient steps on n demonstrations of a target behaviour (comply in
/// deployment, or refuse in training) against the same steps on benign demonstrations (the control), for an RL lab policy
/// (or two on the same demonstrations); every metric against k with 95% CIs and k50 with bootstrap CIs. Binds the results
/// (<c>IReadOnlyList&lt;FineTuneAttackResult&gt;</c>, one per model) to <c>--out</c>, also when interrupted (then marked partial).
/// </summary>
public sealed class FineTuneAttackCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<FineTuneAttackCommand>(
        name: "#!finetune-attack",
        description: "Fine-tunes stacked copies of an RL lab policy for k = 1, 2, 4, ... Adam steps on n demonstrations of a target behaviour " +
                     "(each copy its own demonstration set) and, as the control, on benign demonstrations; shows every metric against k with 95% CIs " +
                     "and k50 (steps until the target metric is halfway to the demonstrated value) with bootstrap CIs; --compare attacks a second policy " +
                     "with the same demonstrations.",
        example: "#!finetune-attack --model pre --compare post --training-seeds 1 --target comply-in-deployment --demonstrations 16 --max-steps 64 --seeds 8 --out attack",
        handleAsync: HandleAsync,
        options: typeof(FineTuneAttackOptions),
        inputs: [typeof(FineTuneAttackInputs)],
        defaultOut: "attack");

    static async Task HandleAsync(FineTuneAttackCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<FineTuneAttackOptions>(ctx);
        var inputs = cmd.Get<FineTuneAttackInputs>();
        var owned = new List<PolicySubject>();
        try
        {
            var first = Subjects(ctx, "--model", inputs.Model!, options, owned);
            var second = inputs.Compare is { Length: > 0 } c ? Subjects(ctx, "--compare", c, options, owned) : null;
            if (second is not null) PerturbationSweep.CheckPaired(inputs.Model!, first, inputs.Compare!, second);
            var live = LivePanel.Start(ctx, cmd, new RunPanel("Fine-tuning attack", chart: false), TimeSpan.FromSeconds(1),
                interrupted: $"Interrupted: {cmd.OutName} will hold the step counts done so far (marked partial).");
            var progress = live.For<FineTuneAttackProgress>(p => p.ToRunProgress());
            var results = await Task.Run(() =>
            {
                var list = new List<FineTuneAttackResult> { PolicyFineTuneAttack.RunTrainingSeeds(inputs.Model!, first, options, progress, ctx.CancellationToken) };
                if (second is not null && !ctx.CancellationToken.IsCancellationRequested)
                    list.Add(PolicyFineTuneAttack.RunTrainingSeeds(inputs.Compare!, second, options, progress, ctx.CancellationToken));
                return (IReadOnlyList<FineTuneAttackResult>)list;
            });
            live.Complete();
            var summary = PerturbationReport.FineTuneSummary(results);
            ctx.Display(new HtmlFragment(summary.Html, summary.Text), "text/html", "text/plain");
            var curves = results.SelectMany(r => new[] { r.Attack, r.Control }).ToArray();
            foreach (var metric in new[] { results[0].TargetMetric, results[0].Attack.CapabilityMetric }.Distinct())
                ctx.Display(new HtmlFragment(ChartSession.ToHtml(PerturbationCharts.MetricCurves(curves, metric)), metric), "text/html", "text/plain");
            await ResultBinding.BindAsync(ctx, cmd.OutName, results);
        }
        finally
        {
            foreach (var s in owned) s.Dispose();
        }
    }

    /// <summary>One subject per training seed of the policy a variable names (--training-seeds).</summary>
    static IReadOnlyList<PolicySubject> Subjects(KernelInvocationContext ctx, string option, string name, FineTuneAttackOptions options, List<PolicySubject> owned)
    {
        var value = ResultBinding.GetVariable<object>(ctx, option, name);
        var policy = value switch
        {
            AlignmentPolicy p => p,
            RlRun r => r.Policy,
            BakedReference b => b.Policy,
            _ => throw new CommandException(
                $"{option} {name}: '{name}' is a {value.GetType().Name}; the fine-tuning attack needs an RL lab policy (an AlignmentPolicy, RlRun or BakedReference): " +
                "its demonstrations are episodes of the alignment environment. For other networks use #!perturb."),
        };
        var subjects = PolicySubject.ForTrainingSeeds(name, policy, options.TrainingSeeds);
        owned.AddRange(subjects);
        return subjects;
    }
}
