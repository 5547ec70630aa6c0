using System.Text.Json;
using LatentLab.Hosts.Tests.Infrastructure;

namespace LatentLab.Packaging.Tests;

/// <summary>
/// The console tool pinned in .config/dotnet-tools.json: restorable from a fresh clone (nuget/restore-tools.sh packs the pinned
/// development version into nuget/feed) and from this checkout after nuget/pack.sh, so that <c>dotnet latentlab</c> runs.
/// </summary>
public sealed class ToolManifestTests
{
    static readonly string[] SomeCommands = ["bandit-train", "rl-bake", "rl-train", "perturb", "llm-generate", "llm-cot"];

    static string PinnedVersion()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoLayout.Root, ".config", "dotnet-tools.json")));
        var tools = manifest.RootElement.GetProperty("tools");
        Assert.True(tools.TryGetProperty("dotnet-repl", out _), "the hosts stay in the manifest");
        Assert.True(tools.TryGetProperty("microsoft.dotnet-interactive", out _), "the hosts stay in the manifest");
        var tool = tools.GetProperty("latentlab.cli");
        Assert.Equal("latentlab", tool.GetProperty("commands")[0].GetString());
        return tool.GetProperty("version").GetString()!;
    }

    [Fact]
    public async Task AfterPackSh_ThePinnedToolIsInTheFeed_AndDotnetLatentlabRunsFromTheCheckout()
    {
        await FreshPackage.VersionAsync();                          // nuget/pack.sh (it packs and restores the pinned tool)
        var pin = PinnedVersion();
        Assert.True(File.Exists(Path.Combine(RepoLayout.Feed, $"LatentLab.Cli.{pin}.nupkg")), $"nuget/pack.sh did not pack LatentLab.Cli {pin}");
        var restore = await ProcessRunner.RunAsync("bash", [Path.Combine(RepoLayout.Root, "nuget", "restore-tools.sh")], RepoLayout.Root, TimeSpan.FromMinutes(15));
        Assert.True(restore.ExitCode == 0, restore.Describe());

        var help = await ProcessRunner.RunAsync("dotnet", ["latentlab", "--help"], RepoLayout.Root, TimeSpan.FromMinutes(5));

        Assert.True(help.ExitCode == 0, help.Describe());
        foreach (var command in SomeCommands) Assert.Contains(command, help.StandardOutput);
    }

    [Fact]
    public async Task AFreshClone_RestoresThePinnedTool_AndRunsDotnetLatentlabHelp()
    {
        // A clone of the committed checkout: no nuget/feed, no build output. The bare `dotnet tool restore` cannot find the
        // pinned tool there (it is never published); nuget/restore-tools.sh packs it, then restores every tool of the manifest.
        var clone = Path.Combine(Path.GetTempPath(), "latentlab-clone-" + Guid.NewGuid().ToString("N"));
        var cloned = await ProcessRunner.RunAsync("git", ["clone", "--quiet", RepoLayout.Root, clone], Path.GetTempPath(), TimeSpan.FromMinutes(5));
        Assert.True(cloned.ExitCode == 0, cloned.Describe());
        try
        {
            Assert.False(Directory.Exists(Path.Combine(clone, "nuget", "feed")));

            var restore = await ProcessRunner.RunAsync("bash", [Path.Combine(clone, "nuget", "restore-tools.sh")], clone, TimeSpan.FromMinutes(25));

            Assert.True(restore.ExitCode == 0, restore.Describe());
            Assert.True(File.Exists(Path.Combine(clone, "nuget", "feed", $"LatentLab.Cli.{PinnedVersion()}.nupkg")));
            var help = await ProcessRunner.RunAsync("dotnet", ["latentlab", "--help"], clone, TimeSpan.FromMinutes(5));
            Assert.True(help.ExitCode == 0, help.Describe());
            foreach (var command in SomeCommands) Assert.Contains(command, help.StandardOutput);
            // Once packed, the plain restore works too (the hosts included).
            var bare = await ProcessRunner.RunAsync("dotnet", ["tool", "restore", "--add-source", Path.Combine(clone, "nuget", "feed")], clone, TimeSpan.FromMinutes(10));
            Assert.True(bare.ExitCode == 0, bare.Describe());
            Assert.Contains("dotnet-repl", bare.StandardOutput + bare.StandardError);
        }
        finally
        {
            try { Directory.Delete(clone, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
