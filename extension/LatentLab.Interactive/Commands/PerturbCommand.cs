using LatentLab.Imitation;
using LatentLab.Interactive.Formatting;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
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
        example: "#!perturb --model pre --compare post --noise-min 0.001 --noise-max 3 --points 24 --seeds 64 --scope all --out curves",
        handleAsync: HandleAsync,
        options: typeof(PerturbationOptions),
        inputs: [typeof(PerturbInputs)],
        defaultOut: "curves");

    static async Task HandleAsync(PerturbCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<PerturbationOptions>(ctx);
        var inputs = cmd.Get<PerturbInputs>();
        var (first, ownFirst) = Subject(ctx, "--model", inputs.Model!);
        (IPerturbationSubject? second, bool ownSecond) = (null, false);
        try
        {
            if (inputs.Compare is { Length: > 0 } c) (second, ownSecond) = Subject(ctx, "--compare", c);
            if (second is not null) PerturbationSweep.CheckSameShape(first, second);
            await RunAsync(cmd, ctx, options, first, second);
        }
        finally
        {
            // Subjects made here hold their own copy of the network (a policy's seed, a student's working LSTM).
            if (ownFirst && first is IDisposable d1) d1.Dispose();
            if (ownSecond && second is IDisposable d2) d2.Dispose();
        }
    }

    static async Task RunAsync(PerturbCommand cmd, KernelInvocationContext ctx, PerturbationOptions options, IPerturbationSubject first, IPerturbationSubject? second)
    {
        var live = LivePanel.Start(ctx, cmd, new RunPanel("Perturbation sweep", chart: false), TimeSpan.FromSeconds(1),
            interrupted: $"Interrupted: {cmd.OutName} will hold the noise scales done so far (marked partial).");
        var progress = live.For<PerturbationProgress>(p => p.ToRunProgress());
        var curves = await Task.Run(() => second is null
            ? [PerturbationSweep.Run(first, options, progress, ctx.CancellationToken)]
            : PerturbationSweep.Compare(first, second, options, progress, ctx.CancellationToken));
        live.Complete();
        var summary = PerturbationReport.Summary(curves);
        ctx.Display(new HtmlFragment(summary.Html, summary.Text), "text/html", "text/plain");
        foreach (var metric in new[] { first.Metrics[0], first.CapabilityMetric }.Distinct())
            ctx.Display(new HtmlFragment(ChartSession.ToHtml(PerturbationCharts.MetricCurves(curves, metric)), metric), "text/html", "text/plain");
        await ResultBinding.BindAsync(ctx, cmd.OutName, curves);
    }

    /// <summary>The subject a variable names, and whether it was made here (then the command disposes it).</summary>
    static (IPerturbationSubject Subject, bool Owned) Subject(KernelInvocationContext ctx, string option, string name)
    {
        var value = ResultBinding.GetVariable<object>(ctx, option, name);
        return value switch
        {
            IPerturbationSubject s => (s, false),
            AlignmentPolicy p => (new PolicySubject(name, p), true),
            RlRun r => (new PolicySubject(name, r.Policy), true),
            BakedReference b => (new PolicySubject(name, b.Policy), true),
            TrainedStudent t => (new StudentSubject(name, t), true),
            _ => throw new CommandException(
                $"{option} {name}: '{name}' is a {value.GetType().Name}, a kind of model with no perturbation metrics; give an AlignmentPolicy, RlRun, " +
                "BakedReference, TrainedStudent or an IPerturbationSubject."),
        };
    }
}
