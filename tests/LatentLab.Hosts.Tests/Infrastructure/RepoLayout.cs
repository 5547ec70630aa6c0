namespace LatentLab.Hosts.Tests.Infrastructure;

/// <summary>Absolute paths of the checkout the tests run in (found by walking up to Interactive.sln).</summary>
public static class RepoLayout
{
    public static string Root { get; } = FindRoot();

    public static string Notebooks => Path.Combine(Root, "notebooks");

    public static string Artifacts => Path.Combine(Root, "artifacts");

    public static string Feed => Path.Combine(Root, "nuget", "feed");

    public static IEnumerable<string> NotebookFiles() =>
        Directory.EnumerateFiles(Notebooks, "*.ipynb").Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Interactive.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No Interactive.sln above {AppContext.BaseDirectory}: run the tests from inside the LatentLab checkout.");
    }
}
