using LatentLab.Interactive.Formatting;
using LatentLab.Interactive.Commands;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

public class ResultAndProgressTests
{
    [Fact]
    public async Task Out_BindsTheResultForTheNextCSharpCell()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);

        var run = await kernel.SubmitAsync("#!test-echo --count 7 --scale 0.25 --device cpu --out myResult");
        run.AssertSucceeded();
        Assert.Contains(run.Html(), h => h.Contains("<code>myResult</code> now holds the result (<code>EchoResult</code>)"));

        var next = await kernel.SubmitAsync("$\"{myResult.Count} {myResult.Scale} {myResult.Device} {myResult.GetType().Name}\"");
        next.AssertSucceeded();
        Assert.Equal("7 0.25 cpu EchoResult", next.ReturnedText());
    }

    [Fact]
    public async Task Options_LeftOut_TakeTheirDefaults()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);

        (await kernel.SubmitAsync("#!test-echo")).AssertSucceeded();
        var next = await kernel.SubmitAsync("$\"{echoed.Count} {echoed.Scale} {echoed.Device} {echoed.Policies}\"");

        Assert.Equal("3 0.5 auto greedy,ucb1", next.ReturnedText());
    }

    [Fact]
    public async Task LiveDisplay_UpdatesOneDisplayInPlace_EndingWithTheLastReport()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);

        var result = await kernel.SubmitAsync("#!test-echo --steps 20 --interval-ms 0");

        result.AssertSucceeded();
        var produced = result.Events.OfType<DisplayedValueProduced>().First();
        Assert.Equal("starting", produced.Formatted("text/plain"));
        var updates = result.Events.OfType<DisplayedValueUpdated>().ToArray();
        Assert.Equal(20, updates.Length);
        Assert.All(updates, u => Assert.Equal(produced.ValueId, u.ValueId));
        Assert.Equal("<b>step 20</b>", updates[^1].Formatted("text/html"));
    }

    [Fact]
    public async Task LiveDisplay_IsThrottled_ButStillShowsTheLastReport()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);

        var result = await kernel.SubmitAsync("#!test-echo --steps 500 --interval-ms 3600000");

        result.AssertSucceeded();
        var update = Assert.Single(result.Events.OfType<DisplayedValueUpdated>());
        Assert.Equal("step 500", update.Formatted("text/plain"));
    }
}

public class LiveDisplayClosingTests
{
    [Fact]
    public async Task LiveDisplay_ClosingPanel_DoesNotWaitForAnUpdateBeingDrawn_AndIsNeverCoveredByIt()
    {
        // An interrupt's red panel is shown on the cancelling thread while the worker may be drawing a progress update: the
        // cell ends only when the panel is out, so it must not wait for that drawing, and the older update must not cover it.
        var command = new SubmitCode("#!test");
        using var context = KernelInvocationContext.GetOrCreateAmbientContext(command);
        var shown = new List<string>();
        using var subscription = context.KernelEvents.Subscribe(e =>
        {
            // The value itself (its formatted text depends on whether an earlier test registered LatentLab's formatters).
            if (e is DisplayedValueUpdated { Value: HtmlFragment fragment }) lock (shown) shown.Add(fragment.Text);
        });
        using var drawing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var display = LiveDisplay<int>.Start(context, command, new HtmlFragment("start", "start"), step =>
        {
            if (step == 1) { drawing.Set(); release.Wait(); }
            return new HtmlFragment($"step {step}", $"step {step}");
        }, TimeSpan.Zero);

        var worker = Task.Run(() => display.Report(1));
        Assert.True(drawing.Wait(TimeSpan.FromSeconds(60)), "the update was never drawn");
        var close = Task.Run(() => display.Show(new HtmlFragment("interrupted", "interrupted")));
        var first = await Task.WhenAny(close, Task.Delay(TimeSpan.FromSeconds(60)));   // a hang guard, not a speed check
        Assert.True(first == close, "Show waited for the update being drawn");
        release.Set();
        await worker.WaitAsync(TimeSpan.FromSeconds(60));
        display.Report(2);                                                              // after the closing panel: dropped
        display.Complete();

        lock (shown) Assert.Equal(["interrupted"], shown);
    }
}

public class VariableInputTests
{
    [Fact]
    public async Task OptionNamingAVariable_ReadsTheEarlierResult()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);

        (await kernel.SubmitAsync("#!test-echo --count 4 --out first")).AssertSucceeded();
        (await kernel.SubmitAsync("#!test-echo --from first --out second")).AssertSucceeded();

        Assert.Equal("4", (await kernel.SubmitAsync("second.Count")).ReturnedText());
    }

    [Fact]
    public async Task OptionNamingAMissingVariable_SaysWhatToRunFirst()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);

        var failed = (await kernel.SubmitAsync("#!test-echo --from nothing")).Failure();

        Assert.Equal("#!test-echo: --from nothing: there is no C# variable named 'nothing' yet. Run the command that creates it first (with --out nothing).",
            failed?.Message);
    }

    [Fact]
    public async Task OptionNamingAVariableOfAnotherType_SaysBothTypes()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);
        (await kernel.SubmitAsync("var text = \"hello\";")).AssertSucceeded();

        var failed = (await kernel.SubmitAsync("#!test-echo --from text")).Failure();

        Assert.Equal("#!test-echo: --from text: 'text' has type String; --from needs type EchoResult.", failed?.Message);
    }
}
