namespace LatentLab.Hosts.Tests.Infrastructure;

/// <summary>
/// Environment for notebooks run by the tests. LATENTLAB_QUICK=1 asks a walkthrough for its reduced configuration
/// (its parameters cell reads it), so every notebook stays within a few minutes on 2 cores; the README's
/// tests/run-notebook.sh leaves it unset and runs the full walkthrough.
/// </summary>
public static class NotebookEnvironment
{
    public static Dictionary<string, string> ForTests(string packageVersion) => new()
    {
        ["LATENTLAB_QUICK"] = "1",
        ["LATENTLAB_PACKAGE_VERSION"] = packageVersion,
    };
}
