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
            return new EnvironmentStatus(runtime.LatentLab, runtime, null);
        }
        catch (Exception e)
        {
            var message = e is TypeInitializationException { InnerException: { } inner } ? inner.Message : e.Message;
            return new EnvironmentStatus(version, null, message);
        }
    }
}
