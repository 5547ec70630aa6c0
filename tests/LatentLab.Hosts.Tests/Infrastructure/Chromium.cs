namespace LatentLab.Hosts.Tests.Infrastructure;

/// <summary>
/// Headless Chromium screenshots of local pages with a throw-away profile and no network: every host name fails to
/// resolve and every http(s) request goes to a dead proxy, so a page draws only from what is inside it.
/// </summary>
public static class Chromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    public static string Executable =>
        Candidates.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "No Chromium found (looked for " + string.Join(", ", Candidates) + "). On Debian: apt-get install chromium (.ci/run does).");

    public static async Task ScreenshotAsync(string htmlPath, string pngPath, int width, int height)
    {
        var profile = Directory.CreateTempSubdirectory("latentlab-chromium-");
        try
        {
            File.Delete(pngPath);
            var result = await ProcessRunner.RunAsync(
                Executable,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars", "--virtual-time-budget=10000",
                    "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                    $"--user-data-dir={profile.FullName}",
                    $"--screenshot={pngPath}",
                    $"--window-size={width},{height}",
                    new Uri(htmlPath).AbsoluteUri,
                ],
                Path.GetDirectoryName(htmlPath)!,
                TimeSpan.FromMinutes(3));
            if (!File.Exists(pngPath))
            {
                throw new InvalidOperationException("Chromium wrote no screenshot.\n" + result.Describe());
            }
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
