namespace LatentLab.Hosts.Tests.Infrastructure;

/// <summary>
/// The LatentLab.Interactive version the hosts load: the pack named by LATENTLAB_PACKAGE_VERSION (tests/run-all.sh
/// packs once for every test project), or else a fresh `nuget/pack.sh` run, once per test process.
/// A fresh version each time is what keeps hosts from loading a stale copy out of their caches.
/// When test processes pack for themselves (e.g. `dotnet test Interactive.sln` runs projects in parallel), each
/// holds a lock on the feed from its pack to its exit, so one process's pack never replaces another's
/// nuget/feed/use-latentlab.dib while its notebooks run.
/// </summary>
public static class FreshPackage
{
    private static readonly Lazy<Task<string>> Pack = new(PackAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private static FileStream? _feedLock; // held until the process exits

    public static Task<string> VersionAsync() => Pack.Value;

    private static async Task<string> PackAsync()
    {
        var given = Environment.GetEnvironmentVariable("LATENTLAB_PACKAGE_VERSION");
        if (!string.IsNullOrWhiteSpace(given)
            && File.Exists(Path.Combine(RepoLayout.Feed, $"LatentLab.Interactive.{given}.nupkg"))
            && File.Exists(Path.Combine(RepoLayout.Feed, "use-latentlab.dib")))
        {
            return given;
        }

        _feedLock = await LockFeedAsync(TimeSpan.FromMinutes(30));
        var result = await ProcessRunner.RunAsync(
            "bash", [Path.Combine(RepoLayout.Root, "nuget", "pack.sh")], RepoLayout.Root, TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("nuget/pack.sh failed:\n" + result.Describe());
        }

        return result.StandardOutput.TrimEnd().Split('\n')[^1].Trim();
    }

    private static async Task<FileStream> LockFeedAsync(TimeSpan timeout)
    {
        Directory.CreateDirectory(RepoLayout.Feed);
        var path = Path.Combine(RepoLayout.Feed, ".tests.lock");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }
}
