using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using LatentLab.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LatentLab.Packaging.Tests;

/// <summary>
/// `#i` + `#r "nuget:"` against nuget/feed, in process, with the loader above: the fresh pack's extension loads,
/// `#!latentlab` answers, and a bad option fails cleanly while the kernel keeps working.
/// One test, because a process can load an extension assembly only once.
/// </summary>
public sealed class NuGetLoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task NuGetReference_LoadsTheFreshExtension_AndItsHelpAnswers_AndABadOptionLeavesTheKernelAlive()
    {
        var version = await FreshPackage.VersionAsync();
        var loader = new NuGetExtensionLoader();
        using var kernel = loader.CreateKernel();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var load = await kernel.SendAsync(new SubmitCode($"""
            #i "nuget: {RepoLayout.Feed}"
            #r "nuget: LatentLab.Interactive, {version}"
            """));
        output.WriteLine($"#r of LatentLab.Interactive {version}: {clock.Elapsed.TotalSeconds:F1} s");
        AssertSucceeded(load);

        // The package came from the NuGet cache at exactly this version, not from some build output.
        var package = Assert.Single(loader.ResolvedPackages, p => p.PackageName == "LatentLab.Interactive");
        Assert.Equal(version, package.PackageVersion);
        Assert.Contains(Path.Combine("latentlab.interactive", version), package.PackageRoot, StringComparison.OrdinalIgnoreCase);
        // PrivateAssets keeps the hosts' own packages out of what `#r` restores.
        output.WriteLine("Restored: " + string.Join(", ", loader.ResolvedPackages.Select(p => $"{p.PackageName} {p.PackageVersion}")));
        Assert.DoesNotContain(loader.ResolvedPackages, p => p.PackageName.StartsWith("Microsoft.DotNet.Interactive", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(loader.ResolvedPackages, p => p.PackageName.Equals("TorchSharp", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(loader.ResolvedPackages, p => p.PackageName.StartsWith("libtorch-cpu", StringComparison.OrdinalIgnoreCase));

        var (file, extension) = Assert.Single(loader.LoadedExtensions, e => e.Extension.Assembly.GetName().Name == "LatentLab.Interactive");
        Assert.Equal(Path.Combine(package.PackageRoot, "interactive-extensions", "dotnet", "LatentLab.Interactive.dll"), file);
        Assert.DoesNotContain(Path.Combine("extension", "LatentLab.Interactive", "bin"), extension.Assembly.Location);

        // Loading shows a card that names LatentLab and the version just packed (not a stale copy).
        var card = Text(load);
        output.WriteLine(card);
        Assert.Contains($"LatentLab {version}", card);

        var help = await kernel.SendAsync(new SubmitCode("#!latentlab"));
        AssertSucceeded(help);
        var helpText = Text(help);
        Assert.Contains("#!latentlab", helpText);
        Assert.Contains("TorchSharp", helpText);

        var bad = await kernel.SendAsync(new SubmitCode("#!latentlab --no-such-option 3"));
        var failure = Assert.Single(bad.Events.OfType<CommandFailed>());
        Assert.Contains("--no-such-option", failure.Message);

        var alive = await kernel.SendAsync(new SubmitCode("6 * 7"));
        AssertSucceeded(alive);
        Assert.Contains("42", Text(alive));
    }

    private static void AssertSucceeded(KernelCommandResult result)
    {
        var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
        Assert.True(failed is null, $"{failed?.Command}: {failed?.Message}\n{failed?.Exception}");
    }

    private static string Text(KernelCommandResult result) =>
        string.Join(
            "\n",
            result.Events.OfType<DisplayEvent>()
                .SelectMany(e => e.FormattedValues)
                .Select(v => v.Value));
}
