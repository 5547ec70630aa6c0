using System.Globalization;
using System.Text.RegularExpressions;
using LatentLab.Hosts.Tests.Infrastructure;

namespace LatentLab.Packaging.Tests;

/// <summary>
/// samples/experiment/experiment.cs as a user runs it: <c>dotnet run experiment.cs</c>, LatentLab from the locally packed feed
/// through <c>#:package</c>. The copy runs in a temporary folder with LatentLab pinned to this run's pack and a nuget.config that
/// names only the local feed (every other package comes from the NuGet cache the build filled), so it needs no network.
/// </summary>
public sealed partial class FileBasedAppTests
{
    [Fact]
    public async Task Experiment_RunsWithDotnetRun_AgainstTheLocalFeed_AndWritesItsFiles()
    {
        var version = await FreshPackage.VersionAsync();
        var sample = Path.Combine(RepoLayout.Root, "samples", "experiment");
        var source = await File.ReadAllTextAsync(Path.Combine(sample, "experiment.cs"));
        var package = PackageLine().Match(source);
        Assert.True(package.Success, "experiment.cs has no #:package LatentLab@... line");
        // The sample's own version range takes this pack (0.1.0-dev.* floats to the newest dev pack in the feed).
        Assert.Matches("^" + Regex.Escape(package.Groups[1].Value).Replace(@"\*", ".*") + "$", version);

        var folder = Path.Combine(Path.GetTempPath(), "latentlab-experiment-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "experiment.cs"), PackageLine().Replace(source, $"#:package LatentLab@{version}"));
            foreach (var props in new[] { "Directory.Build.props", "Directory.Packages.props" })
                File.Copy(Path.Combine(sample, props), Path.Combine(folder, props));
            await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="latentlab-local" value="{RepoLayout.Feed}" />
                  </packageSources>
                </configuration>
                """);

            var run = await ProcessRunner.RunAsync("dotnet", ["run", "experiment.cs", "--", "--steps", "4", "--batch", "8", "--seed", "2"], folder, TimeSpan.FromMinutes(20));

            Assert.True(run.ExitCode == 0, run.Describe());
            Assert.Contains("trained 4 steps", run.StandardOutput);
            Assert.Contains("ucb1", run.StandardOutput);
            Assert.Contains("wrote student.ckpt and evaluation.csv", run.StandardOutput);
            Assert.True(new FileInfo(Path.Combine(folder, "student.ckpt")).Length > 0);
            var curves = await File.ReadAllLinesAsync(Path.Combine(folder, "evaluation.csv"));
            Assert.StartsWith("policy,step,regret", curves[0]);
            // Every policy's regret at every step of the 100-step horizon, each a number.
            Assert.True(curves.Length > 100, $"evaluation.csv has {curves.Length} lines");
            Assert.All(curves.Skip(1), line => double.Parse(line.Split(',')[2], CultureInfo.InvariantCulture));
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [GeneratedRegex(@"^#:package LatentLab@(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex PackageLine();
}
