using LatentLab.Sweeps;

namespace LatentLab.Interactive.Tests;

/// <summary><c>#!sweep</c>: the grid checked against the tool's own commands, the points run by the built latentlab, the merged table bound.</summary>
public sealed class SweepCommandTests
{
    /// <summary>The built console tool (a project reference builds it first), from the repository's extension/LatentLab.Cli/bin.</summary>
    static string ToolDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "extension", "LatentLab.Cli"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var found = Directory.GetFiles(Path.Combine(dir.FullName, "extension", "LatentLab.Cli", "bin", configuration), "LatentLab.Cli.dll", SearchOption.AllDirectories);
        Assert.NotEmpty(found);
        return found[0];
    }

    static string Folder() => Path.Combine(Path.GetTempPath(), "latentlab-sweep-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Sweep_RunsThePoints_AndBindsTheMergedTable()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var folder = Folder();
        var result = await kernel.SubmitAsync($"#!sweep --command bandit-train --grid \"hidden=8\" --fixed \"steps=10; train-horizon=10; batch=16\" --seeds 0-1 " +
                                              $"--workers 2 --folder {folder} --tool {ToolDll()} --out sw");
        result.AssertSucceeded();
        var table = kernel.Bound<SweepTable>("sw");
        Assert.Equal(2, table.Points.Rows.Count);
        Assert.Equal(["done", "done"], table.Points["state"].Cast<string>());
        Assert.Contains("final_loss", table.Metrics);
        Assert.Equal(2, (int)table.Settings["done"][0]!);
        Assert.Contains(result.Html(), h => h.Contains("2 done (0 before this run), 0 failed"));
        Assert.True(File.Exists(Path.Combine(folder, "points.csv")));
    }

    [Theory]
    [InlineData("--command bandit-train --grid \"hiden=8\"", "hiden is not an option of bandit-train")]
    [InlineData("--command bandit-train --grid \"\"", "--grid is empty")]
    [InlineData("--command nope --grid \"hidden=8\"", "latentlab has no such command")]
    [InlineData("--command bandit-train --grid \"hidden=0\"", "--hidden")]
    public async Task BadGrid_FailsCleanly_WithTheMessage(string line, string message)
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var result = await kernel.SubmitAsync($"#!sweep {line} --folder {Folder()} --tool {ToolDll()}");
        var failed = result.Failure();
        Assert.NotNull(failed);
        Assert.Contains(message, failed.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();   // the kernel keeps running
    }
}
