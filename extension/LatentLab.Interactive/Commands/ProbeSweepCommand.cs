using LatentLab.Interactive.Formatting;
using LatentLab.Probes;
using LatentLab.Reports;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!probe-sweep</c>: a linear probe at every (layer, position) of an activation set, cross-validated, with 95% CIs,
/// the control task and the answer-letter baseline. Shows a summary, a heatmap, the best layer along the chain and the
/// DataFrame; binds the <see cref="ProbeSweepResult"/> to <c>--out</c> (also when interrupted: then it is marked partial).
/// </summary>
public sealed class ProbeSweepCommand : LatentLabCommand
{
    public string? Activations { get; set; }
    public string? Labels { get; set; }
    public string? Groups { get; set; }
    public string? Baseline { get; set; }
    public string Layers { get; set; } = "all";
    public string Positions { get; set; } = "all";
    public int Bins { get; set; }
    public string Align { get; set; } = "start";
    public int Folds { get; set; } = 5;
    public bool Control { get; set; }
    public int Seed { get; set; }
    public int Threads { get; set; } = new ProbeSweepOptions().Threads;
    public string Device { get; set; } = "auto";
    public string Out { get; set; } = "sweep";

    public static CommandDefinition Definition { get; } = CommandDefinition.Create<ProbeSweepCommand>(
        name: "#!probe-sweep",
        description: "Trains a linear probe (L2 logistic regression on standardised features) at every layer x position of an activation set, " +
                     "all at once on the device, with k-fold cross-validation: accuracy with 95% CI, control task and selectivity, " +
                     "and the answer-letter logits baseline. Shows a heatmap, the best layer along the chain and the DataFrame.",
        example: "#!probe-sweep --activations acts --layers all --folds 5 --control --out sweep",
        options:
        [
            CommandOption.Text("--activations", "Activations (N, L, P, D): a .npy / .npz / .safetensors file, or a C# variable holding an ActivationSet (e.g. from #!cot-synthetic).", typeHint: "path|variable"),
            CommandOption.Text("--labels", "The model's final answer per question (.npy / .csv / .jsonl / .txt); not needed when the activation file holds an array named labels.", typeHint: "path"),
            CommandOption.Text("--groups", "Optional group id per question; folds never split a group (e.g. paraphrases of one question).", typeHint: "path"),
            CommandOption.Text("--baseline", "Optional answer-letter scores (N, P, C), e.g. the logits of A/B at every position (.npy / .npz / .safetensors).", typeHint: "path"),
            CommandOption.Text("--layers", "Layers to probe: all, or a list such as 0,2,5 or 0-3.", "all", "list"),
            CommandOption.Text("--positions", "Position columns to keep: all, or a list such as 0-10 (with --align end: -5..-1).", "all", "list"),
            CommandOption.Int("--bins", "0: every position is its own column; k > 0: average each chain into k relative bins (chains of different length).", 0, 0, 1000),
            CommandOption.Choice("--align", "Line chains up at their first token (start) or their last (end: columns -k..-1).", "start", "start", "end"),
            CommandOption.Int("--folds", "Cross-validation folds (stratified by label; grouped with --groups); at most the number of questions.", 5, 2, 1000),
            CommandOption.Switch("--control", "Also train every probe on control labels (Hewitt & Liang): gives selectivity = accuracy - control accuracy."),
            CommandOption.Seed(),
            CommandOption.Int("--threads", "Torch threads during the sweep (0: keep the process setting); 1 is fastest for these many small operations on a shared machine.",
                new ProbeSweepOptions().Threads, 0, 1024),
            CommandOption.Device(),
            CommandOption.Out("sweep"),
        ],
        handleAsync: HandleAsync);

    protected override IEnumerable<string> ValidateCombination()
    {
        if (ProbeIndexList.Check("--layers", Layers) is { } layers) yield return layers;
        if (ProbeIndexList.Check("--positions", Positions) is { } positions) yield return positions;
        if (Bins > 0 && Align.Trim().Equals("end", StringComparison.OrdinalIgnoreCase))
            yield return "--bins and --align end do not combine: relative bins already span each chain from start to end. Use one of them.";
    }

    static async Task HandleAsync(ProbeSweepCommand cmd, KernelInvocationContext ctx)
    {
        var device = TorchRuntime.ResolveDevice(cmd.Device);
        var source = ProbeActivationSource.Resolve(ctx, cmd.Activations, cmd.Labels, cmd.Groups, cmd.Baseline);
        try
        {
            var options = new ProbeSweepOptions
            {
                Layers = ProbeIndexList.Parse("--layers", cmd.Layers),
                Positions = ProbeIndexList.Parse("--positions", cmd.Positions),
                Bins = cmd.Bins,
                Align = Enum.Parse<PositionAlignment>(cmd.Align.Trim(), ignoreCase: true),
                Folds = cmd.Folds,
                Control = cmd.Control,
                Seed = cmd.Seed,
                Threads = cmd.Threads,
            };
            var progress = LivePanel.Start(ctx, cmd, ProbeProgressView.Sweep(source.Set), TimeSpan.FromSeconds(1),
                interrupted: $"Interrupted: {cmd.Out} will hold the partial sweep (the layers finished so far, marked partial).");
            var result = await Task.Run(() => ProbeSweep.Run(source.Set, options, device, progress.For<SweepProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
            progress.Complete();
            ctx.Display(result, "text/html", "text/plain");
            ctx.Display(ProbeSweepView.DataFrame(result, cmd.Out), "text/html", "text/plain");
            // Also after an interrupt (the result is then marked partial); .NET Interactive drops that cell's output, not the variable.
            await ResultBinding.BindAsync(ctx, cmd.Out, result);
        }
        finally
        {
            if (source.Owned) source.Set.Dispose();
        }
    }
}
