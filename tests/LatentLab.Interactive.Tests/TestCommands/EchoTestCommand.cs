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
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<EchoTestCommand>(
        name: "#!test-echo",
        description: "Echoes its options (test only).",
        example: "#!test-echo --count 5 --device cpu --out echoed",
        handleAsync: HandleAsync,
        options: typeof(EchoOptions),
        defaultOut: "echoed");

    static async Task HandleAsync(EchoTestCommand command, KernelInvocationContext ctx)
    {
        var cmd = command.Options<EchoOptions>(ctx);
        switch (cmd.Throw)
        {
            case "argument": throw new ArgumentException("--count 7 needs a --scale above 0.9 (a made-up rule for the test).");
            case "bug": throw new NullReferenceException("made-up bug");
        }
        if (cmd.Steps > 0)
        {
            var progress = LiveDisplay<int>.Start(ctx, command, new HtmlFragment("<b>starting</b>", "starting"),
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
        var result = new EchoResult(count, cmd.Scale, command.DeviceName, string.Join(",", cmd.Policies ?? []), cmd.Loud);
        ctx.Display(new HtmlFragment($"<p>count {result.Count}</p>", $"count {result.Count}"), "text/html", "text/plain");
        await ResultBinding.BindAsync(ctx, command.OutName, result);
    }
}
