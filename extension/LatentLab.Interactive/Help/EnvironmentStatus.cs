using LatentLab.Torch;

namespace LatentLab.Interactive.Help;

/// <summary>
/// Versions and compute resources for the load card and <c>#!latentlab</c>. Never throws: when TorchSharp cannot be
/// initialised, <see cref="Error"/> holds the message that says why and what to do.
/// </summary>
public sealed record EnvironmentStatus(string LatentLabVersion, RuntimeInfo? Runtime, string? Error)
{
    /// <summary>What <c>--device auto</c> chooses here.</summary>
    public string AutoDevice => Runtime is { CudaAvailable: true } ? "cuda" : "cpu";

    /// <summary>Initialises TorchSharp (once per process) and reads versions, devices and threads.</summary>
    public static EnvironmentStatus Probe()
    {
        var version = typeof(TorchRuntime).Assembly.GetName().Version?.ToString(3) ?? "unknown";
        try
        {
            var runtime = TorchRuntime.Describe();
            return new EnvironmentStatus(ShortVersion(runtime.LatentLab), runtime with { NativeStatus = WithoutHome(runtime.NativeStatus) }, null);
        }
        catch (Exception e)
        {
            var message = e is TypeInitializationException { InnerException: { } inner } ? inner.Message : e.Message;
            return new EnvironmentStatus(version, null, message);
        }
    }

    /// <summary><c>1.2.3+0123456789abcdef</c> -> <c>1.2.3 (0123456)</c>: the build's commit, short.</summary>
    public static string ShortVersion(string informational)
    {
        var parts = informational.Split('+', 2);
        return parts.Length == 2 && parts[1].Length > 7 ? $"{parts[0]} ({parts[1][..7]})" : informational;
    }

    /// <summary>Writes the user's home folder as <c>~</c>, so outputs saved in notebooks hold no user-specific path.</summary>
    static string WithoutHome(string text)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) || home == "/" ? text : text.Replace(home, "~", StringComparison.Ordinal);
    }
}
