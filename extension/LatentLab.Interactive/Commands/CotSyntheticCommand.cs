using LatentLab.Activations;
using LatentLab.Interactive.Formatting;
using LatentLab.Models;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!cot-synthetic</c>: trains a small decoder-only transformer on the synthetic multiple-choice chain-of-thought task
/// and binds its residual stream (every layer and position), its answers and its answer-letter logits as an
/// <see cref="ActivationSet"/> to <c>--out</c>, ready for <c>#!probe-sweep --activations acts</c>.
/// </summary>
public sealed class CotSyntheticCommand : LatentLabCommand
{
    static readonly CotSyntheticOptions Defaults = new();

    public int Choices { get; set; } = Defaults.Choices;
    public int ChainLength { get; set; } = Defaults.ChainLength;
    public int Layers { get; set; } = Defaults.Layers;
    public int Width { get; set; } = Defaults.Width;
    public int Heads { get; set; } = Defaults.Heads;
    public int Steps { get; set; } = Defaults.Steps;
    public int Batch { get; set; } = Defaults.Batch;
    public int Questions { get; set; } = Defaults.Questions;
    public int Seed { get; set; } = Defaults.Seed;
    public int Threads { get; set; } = Defaults.Threads;
    public string Device { get; set; } = "auto";
    public string Out { get; set; } = "acts";

    public static CommandDefinition Definition { get; } = CommandDefinition.Create<CotSyntheticCommand>(
        name: "#!cot-synthetic",
        description: "Trains a small transformer (nanoGPT-style) on a synthetic multiple-choice chain-of-thought task whose answer is decided " +
                     "part-way through the chain, then records its residual stream at every layer and position, its answers and its " +
                     "answer-letter logits on held-out questions: an ActivationSet for #!probe-sweep.",
        example: "#!cot-synthetic --steps 1500 --layers 3 --width 64 --seed 0 --out acts",
        options:
        [
            CommandOption.Int("--choices", "Answer options per question (letters A, B, ...).", Defaults.Choices, 2, 8),
            CommandOption.Int("--chain-length", "Chain-of-thought tokens per question.", Defaults.ChainLength, 4, 256),
            CommandOption.Int("--layers", "Transformer blocks (the activation set has one more layer: the embedding).", Defaults.Layers, 1, 24),
            CommandOption.Int("--width", "Residual width (a multiple of --heads).", Defaults.Width, 8, 1024),
            CommandOption.Int("--heads", "Attention heads.", Defaults.Heads, 1, 64),
            CommandOption.Int("--steps", "Training steps (fresh questions every step).", Defaults.Steps, 1, 1_000_000),
            CommandOption.Int("--batch", "Questions per training step.", Defaults.Batch, 1, 65_536),
            CommandOption.Int("--questions", "Held-out questions whose activations are recorded (N of the activation set).", Defaults.Questions, 10, 1_000_000),
            CommandOption.Seed(),
            CommandOption.Int("--threads", "Torch threads during training (0: keep the process setting).", Defaults.Threads, 0, 1024),
            CommandOption.Device(),
            CommandOption.Out("acts"),
        ],
        handleAsync: HandleAsync);

    protected override IEnumerable<string> ValidateCombination()
    {
        if (Width % Heads != 0)
            yield return $"--width {Width} must be a multiple of --heads {Heads} (each head gets width / heads dimensions).";
    }

    static async Task HandleAsync(CotSyntheticCommand cmd, KernelInvocationContext ctx)
    {
        var device = TorchRuntime.ResolveDevice(cmd.Device);
        var options = Defaults with
        {
            Choices = cmd.Choices, ChainLength = cmd.ChainLength, Layers = cmd.Layers, Width = cmd.Width, Heads = cmd.Heads,
            Steps = cmd.Steps, Batch = cmd.Batch, Questions = cmd.Questions, Seed = cmd.Seed, Threads = cmd.Threads,
        };
        var progress = LiveDisplay<CotSyntheticProgress>.Start(ctx, cmd, ProbeProgressView.TrainingStarting(options), ProbeProgressView.Training,
            TimeSpan.FromSeconds(3));
        // An interrupt stops training and records the partly trained model (flagged PARTIAL); it is bound all the same
        // (.NET Interactive drops the interrupted cell's output, not the variable).
        var result = await Task.Run(() => CotSynthetic.RunDetailed(options, device, progress, ctx.CancellationToken));
        progress.Complete();
        ctx.Display(CotSyntheticView.Render(result), "text/html", "text/plain");
        await ResultBinding.BindAsync<ActivationSet>(ctx, cmd.Out, result.Activations);
    }
}
