using LatentLab.Interactive.Formatting;
using LatentLab.Perturbation;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!finetune-attack</c>: k = 1, 2, 4, ..., 64 gradient steps on n demonstrations of a target behaviour against the same steps
/// on benign demonstrations (the control), for an RL lab policy (comply in deployment, refuse in training), the bandit student
/// (greedy, first arm; the control is UCB1) or the cot-synthetic transformer (the letter A, the letter after the true one; the
/// control is copying filler strings), or two networks of one kind on the same demonstrations; the kind is told by the
/// variable's type, as in <c>#!perturb</c>. Every metric against k with 95% CIs and k50 with bootstrap CIs. Binds the results
/// (<c>IReadOnlyList&lt;FineTuneAttackResult&gt;</c>, one per model) to <c>--out</c>, also when interrupted (then marked partial).
/// </summary>
public sealed class FineTuneAttackCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<FineTuneAttackCommand>(
        name: "#!finetune-attack",
        description: "Fine-tunes copies of an RL lab policy, a bandit student or the cot-synthetic transformer for k = 1, 2, 4, ... Adam steps on n " +
                     "demonstrations of a target behaviour (each copy its own demonstration set) and, as the control, on benign demonstrations (a policy: " +
                     "benign requests; a student: UCB1; the transformer: copying filler strings, an unrelated task); shows every metric against k with 95% CIs and k50 (steps until the target metric is halfway to the " +
                     "demonstrated behaviour's value) with bootstrap CIs; --compare attacks a second network with the same demonstrations.",
        example: "#!finetune-attack --model pre --compare post --training-seeds 1 --target comply-in-deployment --demonstrations 16 --max-steps 64 --seeds 8 --out attack",
        handleAsync: HandleAsync,
        options: typeof(FineTuneAttackOptions),
        inputs: [typeof(FineTuneAttackInputs)],
        defaultOut: "attack");

    static async Task HandleAsync(FineTuneAttackCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<FineTuneAttackOptions>(ctx);
        var inputs = cmd.Get<FineTuneAttackInputs>();
        var owned = new List<IDisposable>();
        try
        {
            var first = Subjects(ctx, "--model", inputs.Model!, options, owned);
            var second = inputs.Compare is { Length: > 0 } c ? Subjects(ctx, "--compare", c, options, owned) : null;
            FineTuneAttack.Check(inputs.Model!, first, inputs.Compare, second, options);           // before the live panel
            var live = LivePanel.Start(ctx, cmd, new RunPanel("Fine-tuning attack", chart: false), TimeSpan.FromSeconds(1),
                interrupted: $"Interrupted: {cmd.OutName} will hold the step counts done so far (marked partial).");
            var progress = live.For<FineTuneAttackProgress>(p => p.ToRunProgress());
            var results = await Task.Run(() => FineTuneAttack.Compare(inputs.Model!, first, inputs.Compare, second, options, progress, ctx.CancellationToken));
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

    /// <summary>The networks a variable names, by its type: one per training seed of an RL lab policy (--training-seeds), the bandit student, or the cot-synthetic transformer.</summary>
    static IReadOnlyList<IFineTuneSubject> Subjects(KernelInvocationContext ctx, string option, string name, FineTuneAttackOptions options, List<IDisposable> owned)
    {
        var value = ResultBinding.GetVariable<object>(ctx, option, name);
        return FineTuneAttack.Subjects($"{option} {name}", SubjectVariables.Of(value, option, name, options.TrainingSeeds, owned, Needs + " For other networks use #!perturb."));
    }

    const string Needs = "the fine-tuning attack needs an RL lab policy (an AlignmentPolicy, RlRun or BakedReference), a bandit student (a TrainedStudent) " +
                         "or the cot-synthetic transformer (the activations #!cot-synthetic bound, or its CotSyntheticResult), " +
                         "whose demonstrations it knows how to make.";
}
