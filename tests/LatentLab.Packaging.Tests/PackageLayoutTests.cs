using System.IO.Compression;
using System.Xml.Linq;
using LatentLab.Hosts.Tests.Infrastructure;

namespace LatentLab.Packaging.Tests;

/// <summary>What nuget/pack.sh puts into the feed: the layout hosts need and dependencies that stay lean.</summary>
public sealed class PackageLayoutTests
{
    [Fact]
    public async Task InteractivePackage_HasTheExtensionInLibAndInInteractiveExtensions()
    {
        var entries = Entries(await PackagePathAsync("LatentLab.Interactive"));

        Assert.Contains("lib/net10.0/LatentLab.Interactive.dll", entries);
        Assert.Contains("interactive-extensions/dotnet/LatentLab.Interactive.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("runtimes/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InteractivePackage_DependsOnlyOnLatentLab_NotOnTheHostsPackages()
    {
        var version = await FreshPackage.VersionAsync();
        var dependencies = Dependencies(await PackagePathAsync("LatentLab.Interactive"));

        Assert.Equal([("LatentLab", version)], dependencies);
    }

    [Fact]
    public async Task SciencePackage_DependsOnManagedTorchSharp_AndTheCpuBackendSeparately_AndHasNoInteractiveTypes()
    {
        var path = await PackagePathAsync("LatentLab");
        var dependencies = Dependencies(path).Select(d => d.Id).ToList();

        // The backend is its own dependency so that a GPU user can exclude it and reference a CUDA one (README, "GPU").
        Assert.Contains("TorchSharp", dependencies);
        Assert.Contains("libtorch-cpu-linux-x64", dependencies);
        Assert.DoesNotContain("TorchSharp-cpu", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Microsoft.DotNet.Interactive", StringComparison.Ordinal));
        Assert.Contains("lib/net10.0/LatentLab.dll", Entries(path));
    }

    [Theory]
    [InlineData("LatentLab")]
    [InlineData("LatentLab.Interactive")]
    public async Task Package_CarriesLicenceReadmeAndAuthors_AndNoRepositoryLink(string id)
    {
        var path = await PackagePathAsync(id);
        var metadata = Nuspec(path).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        Assert.Equal("MIT", Value("license"));
        Assert.Equal("PACKAGE.md", Value("readme"));
        Assert.Contains("PACKAGE.md", Entries(path));
        Assert.False(string.IsNullOrWhiteSpace(Value("authors")));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        Assert.Null(Value("repository"));
    }

    private static async Task<string> PackagePathAsync(string id)
    {
        var version = await FreshPackage.VersionAsync();
        var path = Path.Combine(RepoLayout.Feed, $"{id}.{version}.nupkg");
        Assert.True(File.Exists(path), $"{path} is missing: nuget/pack.sh did not produce it.");
        return path;
    }

    private static List<string> Entries(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    private static XDocument Nuspec(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using var stream = entry.Open();
        return XDocument.Load(stream);
    }

    private static List<(string Id, string Version)> Dependencies(string nupkg) =>
        Nuspec(nupkg).Descendants()
            .Where(e => e.Name.LocalName == "dependency")
            .Select(e => ((string)e.Attribute("id")!, (string)e.Attribute("version")!))
            .ToList();
}
