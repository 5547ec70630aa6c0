using LatentLab.Interactive.Formatting;
using LatentLab.Perturbation;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!perturb</c>: a weight- or activation-noise sweep of one network (or two of the same shape on the same draws): every
/// metric against the noise scale with 95% CIs, s50 with bootstrap CIs and the specificity ratio. Binds the curves
/// (<c>IReadOnlyList&lt;PerturbationCurve&gt;</c>) to <c>--out</c>, also when interrupted (then marked partial).
/// </summary>
public sealed class PerturbCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<PerturbCommand>(
        name: "#!perturb",
        description: "Adds relative Gaussian noise (s * RMS of each tensor, or of each layer's output) on a log grid of s, many noise seeds " +
                     "as one batch, and shows every metric against s with 95% CIs, s50 (halfway to chance) with bootstrap CIs and the " +
                     "specificity ratio s50(behaviour) / s50(capability); --compare perturbs a second network with the same draws.",
        example: "#!perturb --model pre --compare post --training-seeds 1 --noise-min 0.001 --noise-max 3 --points 24 --seeds 64 --scope all --out curves",
        handleAsync: HandleAsync,
        options: typeof(PerturbationOptions),
        inputs: [typeof(PerturbInputs)],
        defaultOut: "curves");

    static async Task HandleAsync(PerturbCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<PerturbationOptions>(ctx);
        var inputs = cmd.Get<PerturbInputs>();
        var owned = new List<IDisposable>();
        try
        {
            var first = Subjects(ctx, "--model", inputs.Model!, options, owned);
            var second = inputs.Compare is { Length: > 0 } c ? Subjects(ctx, "--compare", c, options, owned) : null;
            if (second is not null) PerturbationSweep.CheckPaired(inputs.Model!, first, inputs.Compare!, second);   // before the live panel
            await RunAsync(cmd, ctx, options, inputs, first, second);
        }
        finally
        {
            // Subjects made here hold their own copy of the network (a policy's seed, a student's working LSTM, a cot probe).
            foreach (var d in owned) d.Dispose();
        }
    }

    static async Task RunAsync(PerturbCommand cmd, KernelInvocationContext ctx, PerturbationOptions options, PerturbInputs inputs,
        IReadOnlyList<IPerturbationSubject> first, IReadOnlyList<IPerturbationSubject>? second)
    {
        var live = LivePanel.Start(ctx, cmd, new RunPanel("Perturbation sweep", chart: false), TimeSpan.FromSeconds(1),
            interrupted: $"Interrupted: {cmd.OutName} will hold the noise scales done so far (marked partial).");
        var progress = live.For<PerturbationProgress>(p => p.ToRunProgress());
        var curves = await Task.Run(() => PerturbationSweep.Compare(inputs.Model!, first, inputs.Compare, second, options, progress, ctx.CancellationToken));
        live.Complete();
        var summary = PerturbationReport.Summary(curves);
        ctx.Display(new HtmlFragment(summary.Html, summary.Text), "text/html", "text/plain");
        foreach (var metric in new[] { first[0].Metrics[0], first[0].CapabilityMetric }.Distinct())
            ctx.Display(new HtmlFragment(ChartSession.ToHtml(PerturbationCharts.MetricCurves(curves, metric)), metric), "text/html", "text/plain");
        await ResultBinding.BindAsync(ctx, cmd.OutName, curves);
    }

    /// <summary>The subjects a variable names: one per training seed of a multi-seed policy (--training-seeds), else one.</summary>
    static IReadOnlyList<IPerturbationSubject> Subjects(KernelInvocationContext ctx, string option, string name, PerturbationOptions options, List<IDisposable> owned) =>
        SubjectVariables.Of(ResultBinding.GetVariable<object>(ctx, option, name), option, name, options.TrainingSeeds, owned,
            "a kind of model with no perturbation metrics; give an AlignmentPolicy, RlRun, BakedReference, TrainedStudent, the activations " +
            "#!cot-synthetic bound (or its CotSyntheticResult) or an IPerturbationSubject.");
}
