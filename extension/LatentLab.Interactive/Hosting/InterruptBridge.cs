using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;

namespace LatentLab.Interactive.Hosting;

/// <summary>
/// Makes Jupyter's interrupt button interrupt the cell instead of killing the .NET kernel. Jupyter interrupts this
/// kernel with SIGINT (its kernelspec has no <c>interrupt_mode</c>), and dotnet-interactive shuts down on SIGINT; it
/// also ignores <c>interrupt_request</c> on the control channel, and that channel belongs to the host, out of an
/// extension's reach. So LatentLab takes over SIGINT: the signal is cancelled and becomes a <see cref="Cancel"/> sent
/// to the root kernel, the same command VS Code sends for its stop button, which ends the running submission and fires
/// the <see cref="KernelInvocationContext.CancellationToken"/> that LatentLab commands honour (they stop within a step
/// and bind their partial result). The host's own SIGINT handlers are set aside while the bridge lives
/// (<see cref="SuspendedSignalHandlers"/>); SIGTERM and SIGQUIT keep their meaning, so Jupyter can still shut the kernel down.
/// <para>
/// Installed by <see cref="LatentLabKernelExtension"/> only inside a notebook host (the dotnet-interactive process, which
/// serves Jupyter and VS Code) on Linux and macOS; <c>LATENTLAB_INTERRUPT=on</c> installs it in any process (e.g. a test
/// that asks for it), <c>off</c> leaves SIGINT to the host.
/// </para>
/// </summary>
public sealed class InterruptBridge : IDisposable
{
    /// <summary>The environment variable that overrides where the bridge is installed: <c>on</c>, <c>off</c> or <c>auto</c>.</summary>
    public const string SettingVariable = "LATENTLAB_INTERRUPT";

    /// <summary>The entry assembly of dotnet-interactive, the process behind Jupyter's and VS Code's .NET kernels.</summary>
    public const string NotebookHostAssembly = "Microsoft.DotNet.Interactive.App";

    private static readonly Lock Gate = new();
    private static InterruptBridge? _installed;

    private readonly Kernel _root;
    private readonly PosixSignalRegistration _registration;
    private readonly SuspendedSignalHandlers _suspended;
    private int _interrupts;

    private InterruptBridge(Kernel root)
    {
        _root = root;
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnInterrupt);
        _suspended = SuspendedSignalHandlers.Suspend(PosixSignal.SIGINT, handler => handler.Target == this);
        if (_suspended.Problem is { } problem)
        {
            Console.Error.WriteLine($"LatentLab: SIGINT cancels the running cell, but the host may still shut down on it ({problem}).");
        }
    }

    /// <summary>The bridge installed in this process, or null.</summary>
    public static InterruptBridge? Installed
    {
        get { lock (Gate) { return _installed; } }
    }

    /// <summary>How many SIGINTs the bridge has turned into a Cancel.</summary>
    public int Interrupts => Volatile.Read(ref _interrupts);

    /// <summary>The host's SIGINT handlers set aside while the bridge lives (<c>Type.Method</c>).</summary>
    public IReadOnlyList<string> SuspendedHandlers => _suspended.Names;

    /// <summary>
    /// Installs the bridge for <paramref name="kernel"/>'s root kernel if <see cref="ShouldInstall"/> says so for this
    /// process; returns the installed bridge, or null.
    /// </summary>
    public static InterruptBridge? InstallForHost(Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var wanted = ShouldInstall(
            Environment.GetEnvironmentVariable(SettingVariable),
            Assembly.GetEntryAssembly()?.GetName().Name,
            OperatingSystem.IsWindows());
        return wanted ? Install(kernel) : null;
    }

    /// <summary>
    /// Whether to take over SIGINT: <paramref name="setting"/> (the value of <see cref="SettingVariable"/>) <c>on</c> or
    /// <c>off</c> decides; unset or <c>auto</c> means inside a notebook host (<see cref="NotebookHostAssembly"/>) and not
    /// on Windows, where Jupyter interrupts through an event, not a signal.
    /// </summary>
    public static bool ShouldInstall(string? setting, string? entryAssembly, bool isWindows)
    {
        switch (setting?.Trim().ToLowerInvariant())
        {
            case "on" or "1" or "true":
                return true;
            case "off" or "0" or "false":
                return false;
            case null or "" or "auto":
                return !isWindows && string.Equals(entryAssembly, NotebookHostAssembly, StringComparison.Ordinal);
            default:
                throw new ArgumentException(
                    $"{SettingVariable}={setting} is not a setting: use on (SIGINT interrupts the running cell), off (leave SIGINT to the host) or auto (on inside a notebook host; the default).");
        }
    }

    /// <summary>Installs the bridge for <paramref name="kernel"/>'s root kernel (once per process; later calls return the first bridge).</summary>
    public static InterruptBridge Install(Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        lock (Gate)
        {
            return _installed ??= new InterruptBridge(kernel.RootKernel);
        }
    }

    /// <summary>Gives SIGINT back to the host's handlers.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_installed == this)
            {
                _installed = null;
            }
        }
        _suspended.Dispose();
        _registration.Dispose();
    }

    private void OnInterrupt(PosixSignalContext context)
    {
        context.Cancel = true;          // no default termination
        InterruptTrace.Begin("SIGINT received");
        Interlocked.Increment(ref _interrupts);
        // Off the signal thread: cancelling runs the commands' cancellation callbacks (which bind partial results).
        _ = Task.Run(CancelRunningSubmissionAsync);
    }

    private async Task CancelRunningSubmissionAsync()
    {
        try
        {
            InterruptTrace.Mark("sending Cancel to the root kernel");
            await _root.SendAsync(new Cancel());
            InterruptTrace.Mark("Cancel command completed");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"LatentLab: the interrupt could not cancel the running cell: {e.GetType().Name}: {e.Message}");
        }
    }
}
