namespace LatentLab.Cli.Tests;

public sealed class ExitCodeTests
{
    [Fact]
    public async Task AnUnexpectedException_Exits1_AndShowsTheStackTrace_AsABug()
    {
        var broken = new CliCommand("broken", "Fails the way a bug would.", "latentlab broken --seed 1", typeof(ExitCodeTestOptions), [],
            _ => throw new InvalidOperationException("index was out of step"));

        var (code, output, error) = await CliHost.RunAsync(CancellationToken.None, [broken], "broken", "--seed", "1");

        Assert.Equal(ExitCodes.Bug, code);
        Assert.Equal("", output);
        Assert.Contains("latentlab broken failed: this is a LatentLab bug", error);
        Assert.Contains("InvalidOperationException: index was out of step", error);
        Assert.Contains(" at ", error);                            // a bug keeps its stack trace
    }

    [Fact]
    public async Task Interrupted_Evaluation_Exits130_AndWritesNothing()
    {
        var folder = CliHost.TempFolder();
        var (code, _, error) = await CliHost.RunAsync("bandit-train", "--arms", "3", "--train-horizon", "5", "--steps", "2", "--batch", "4",
            "--hidden", "4", "--device", "cpu", "--progress", "none", "--out-dir", folder);
        Assert.True(code == ExitCodes.Ok, error);
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();

        (code, _, error) = await CliHost.RunAsync(interrupt.Token, "bandit-eval", "--load", Path.Combine(folder, "student.ckpt"), "--horizon", "5",
            "--episodes", "4", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("interrupted before there was a result to keep; nothing was written", error);
        Assert.False(File.Exists(Path.Combine(folder, "evaluation.csv")));
    }
}
