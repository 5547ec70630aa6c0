using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

/// <summary>Bad input fails the cell with one clear message; the kernel keeps running.</summary>
public class CommandErrorTests
{
    static async Task<string> FailureMessageThenNextCellRuns(string cell)
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);
        var result = await kernel.SubmitAsync(cell);
        var failed = result.Failure();
        Assert.True(failed is not null, $"'{cell}' should fail but succeeded");
        Assert.DoesNotContain("   at ", failed!.Message);

        var next = await kernel.SubmitAsync("1 + 1");
        next.AssertSucceeded();
        Assert.Equal("2", next.ReturnedText());
        return failed.Message;
    }

    [Fact]
    public async Task UnknownOption_FailsNamingTheOption()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --bogus 1");
        Assert.Contains("--bogus", message);
    }

    [Fact]
    public async Task WrongType_FailsNamingTheOption()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --count many");
        Assert.Contains("count", message);
    }

    [Fact]
    public async Task OutOfRange_FailsNamingOptionValueAndRange()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --count 11");
        Assert.Contains("--count must be from 1 to 10 (got 11).", message);
    }

    [Fact]
    public async Task NumberOutOfRange_FailsNamingOptionValueAndRange()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --scale 1.5");
        Assert.Contains("--scale must be from 0 to 1 (got 1.5).", message);
    }

    [Fact]
    public async Task UnknownDevice_FailsListingTheChoices()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --device gpu");
        Assert.Contains("--device must be one of auto, cpu, cuda (got 'gpu').", message);
    }

    [Fact]
    public async Task UnknownListItem_FailsNamingTheItem()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --policies greedy,ucb2");
        Assert.Contains("--policies: 'ucb2' not known", message);
    }

    [Fact]
    public async Task OutThatIsNotAVariableName_Fails()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --out class");
        Assert.Contains("--out must be a C# variable name", message);
    }

    [Fact]
    public async Task UserErrorFromTheLibrary_ShowsItsMessageOnly()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --throw argument");
        Assert.Equal("#!test-echo: --count 7 needs a --scale above 0.9 (a made-up rule for the test).", message);
    }

    [Fact]
    public async Task UserError_CarriesNoException_SoHostsShowNoStackTrace()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);
        var userError = (await kernel.SubmitAsync("#!test-echo --throw argument")).Failure();
        var bug = (await kernel.SubmitAsync("#!test-echo --throw bug")).Failure();

        Assert.NotNull(userError);
        Assert.Null(userError!.Exception);
        Assert.IsType<NullReferenceException>(bug!.Exception);
    }

    [Fact]
    public async Task UnexpectedException_IsLabelledAsABugWithoutStackTrace()
    {
        var message = await FailureMessageThenNextCellRuns("#!test-echo --throw bug");
        Assert.Equal("#!test-echo failed: NullReferenceException: made-up bug (this is a LatentLab bug; please report it with the cell that caused it).", message);
    }

    [Fact]
    public async Task Interrupt_StopsTheCommand_AndTheKernelRunsTheNextCell()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);
        await kernel.SubmitAsync("1").ContinueWith(t => t.Result.AssertSucceeded());

        var running = kernel.SubmitAsync("#!test-echo --wait --out never");
        await Task.Delay(300);
        Assert.False(running.IsCompleted);
        await kernel.SendAsync(new Microsoft.DotNet.Interactive.Commands.Cancel());
        var result = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotNull(result.Failure());
        var next = await kernel.SubmitAsync("1 + 1");
        Assert.Equal("2", next.ReturnedText());
        var probe = await kernel.SubmitAsync("never");
        Assert.NotNull(probe.Failure());
    }
}
