using LatentLab.Interactive.Commands;
using LatentLab.Interactive.Formatting;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Tests.TestCommands;

/// <summary>
/// A test-only magic command written with the same pattern as LatentLab's commands (see LatentLabCommands):
/// it echoes its options, can fail on purpose, report progress, wait for an interrupt, and binds its result with --out.
/// </summary>
public sealed class EchoTestCommand : LatentLabCommand
{
    public int Count { get; set; } = 3;
    public double Scale { get; set; } = 0.5;
    public string Device { get; set; } = "auto";
    public string Policies { get; set; } = "greedy,ucb1";
    public string Throw { get; set; } = "none";
    public int Steps { get; set; }
    public int IntervalMs { get; set; }
    public bool Wait { get; set; }
    public string? From { get; set; }
    public string Out { get; set; } = "echoed";

    public static CommandDefinition Definition { get; } = CommandDefinition.Create<EchoTestCommand>(
        name: "#!test-echo",
        description: "Echoes its options (test only).",
        example: "#!test-echo --count 5 --device cpu --out echoed",
        options:
        [
            CommandOption.Int("--count", "How many things.", 3, 1, 10),
            CommandOption.Number("--scale", "A factor.", 0.5, 0.0, 1.0),
            CommandOption.Device(),
            CommandOption.ChoiceList("--policies", "Policies to compare.", "greedy,ucb1", "random", "greedy", "ucb1", "thompson"),
            CommandOption.Choice("--throw", "Fail on purpose: none, argument (a user error) or bug (an unexpected exception).", "none", "none", "argument", "bug"),
            CommandOption.Int("--steps", "Progress reports to send.", 0, 0, 1000),
            CommandOption.Int("--interval-ms", "Least time between progress updates (ms).", 0, 0, 3_600_000),
            CommandOption.Switch("--wait", "Wait until interrupted."),
            CommandOption.Text("--from", "C# variable holding an earlier EchoResult whose count is reused.", typeHint: "variable"),
            CommandOption.Out("echoed"),
        ],
        handleAsync: HandleAsync);

    static async Task HandleAsync(EchoTestCommand cmd, KernelInvocationContext ctx)
    {
        switch (cmd.Throw)
        {
            case "argument": throw new ArgumentException("--count 7 needs a --scale above 0.9 (a made-up rule for the test).");
            case "bug": throw new NullReferenceException("made-up bug");
        }
        if (cmd.Steps > 0)
        {
            var progress = LiveDisplay<int>.Start(ctx, cmd, new HtmlFragment("<b>starting</b>", "starting"),
                step => new HtmlFragment($"<b>step {step}</b>", $"step {step}"), TimeSpan.FromMilliseconds(cmd.IntervalMs));
            // Report from a thread that does not carry the kernel's ambient context, as a library's worker thread may.
            Task work;
            using (ExecutionContext.SuppressFlow())
            {
                work = Task.Run(() =>
                {
                    for (int step = 1; step <= cmd.Steps; step++) progress.Report(step);
                });
            }
            await work;
            progress.Complete();
        }
        if (cmd.Wait)
        {
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
        }
        var count = cmd.From is { } from ? ResultBinding.GetVariable<EchoResult>(ctx, "--from", from).Count : cmd.Count;
        var result = new EchoResult(count, cmd.Scale, cmd.Device, cmd.Policies);
        ctx.Display(new HtmlFragment($"<p>count {result.Count}</p>", $"count {result.Count}"), "text/html", "text/plain");
        await ResultBinding.BindAsync(ctx, cmd.Out, result);
    }
}
