namespace LatentLab.Cli.Tests;

/// <summary>
/// <c>latentlab sweep</c> refuses a bad sweep before any point runs, as every command refuses bad input: exit code 2, the
/// message on stderr naming the option and what is wrong, nothing on stdout, no folder created.
/// </summary>
public sealed class SweepBadInputTests
{
    [Theory]
    [InlineData("no-such-command", "hidden=8", "latentlab has no such command; a sweep can run bandit-train")]
    [InlineData("bandit-train", "hiden=8,16", "hiden is not an option of bandit-train; its options are")]
    [InlineData("bandit-train", "", "--grid is empty")]
    [InlineData("bandit-train", "hidden=8,0", "--hidden")]
    public async Task BadSweep_Exits2_WithTheMessageOnStderr_AndRunsNothing(string command, string grid, string message)
    {
        var folder = Path.Combine(CliHost.TempFolder(), "sweep");
        var (code, output, error) = await CliHost.RunAsync("sweep", "--command", command, "--grid", grid, "--seeds", "0-1", "--folder", folder,
            "--tool", SweepFixture.ToolDll, "--progress", "none");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(message, CliHost.Flat(error));
        Assert.DoesNotContain("   at ", error);   // a message, not a stack trace
        Assert.Equal("", output);
        Assert.False(Directory.Exists(folder), "a refused sweep created its folder");
    }

    [Fact]
    public async Task FolderOfAnotherSweep_Exits2_NamingTheFolderAndItsSweep_AndLeavesItsFilesAlone()
    {
        var folder = CliHost.TempFolder();
        string[] Line(string grid) => ["sweep", "--command", "bandit-train", "--grid", grid, "--fixed", "steps=1; train-horizon=5; batch=8", "--seeds", "0",
            "--folder", folder, "--tool", SweepFixture.ToolDll, "--progress", "none"];
        var (first, _, firstError) = await CliHost.RunAsync(Line("hidden=8"));
        Assert.True(first == ExitCodes.Ok, firstError);
        var before = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

        var (code, output, error) = await CliHost.RunAsync(Line("hidden=16"));

        Assert.Equal(ExitCodes.BadInput, code);
        var flat = CliHost.Flat(error);
        Assert.Contains("holds another sweep", flat);
        Assert.Contains(folder, flat);
        Assert.Contains("hidden=8", flat);
        Assert.Equal("", output);
        Assert.Equal(before, Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText));
    }
}
