namespace LatentLab.Hosts.Tests.Infrastructure;

/// <summary>Runs tests/scrub_notebook.py, the one scrubber that the scripts and the tests share.</summary>
public static class Python
{
    public static string Executable => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static async Task ScrubAsync(params string[] notebooks)
    {
        var result = await ProcessRunner.RunAsync(
            Executable, [Path.Combine(RepoLayout.Root, "tests", "scrub_notebook.py"), .. notebooks], RepoLayout.Root, TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("tests/scrub_notebook.py failed.\n" + result.Describe());
        }
    }
}
