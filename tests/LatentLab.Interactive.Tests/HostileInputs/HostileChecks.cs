using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>
/// What every hostile case checks, as the suite does through real hosts: the cell fails (or warns) with a message
/// that names the problem and the fix, never a stack trace or "this is a LatentLab bug"; afterwards the kernel still runs
/// C# and the results bound before are still there (and not disposed).
/// </summary>
internal static class HostileChecks
{
    /// <summary>Submits <paramref name="code"/> and returns the result with the time the cell took.</summary>
    public static async Task<(KernelCommandResult Result, TimeSpan Elapsed)> TimedAsync(this Kernel kernel, string code)
    {
        var clock = Stopwatch.StartNew();
        var result = await kernel.SubmitAsync(code);
        return (result, clock.Elapsed);
    }

    /// <summary>The cell failed with one clean message containing every fragment; returns the message.</summary>
    public static string AssertCleanFailure(this KernelCommandResult result, params string[] fragments)
    {
        var failed = result.Failure() ?? throw new Xunit.Sdk.XunitException("expected the cell to fail, but it succeeded");
        AssertClean(failed.Message);
        Assert.Null(failed.Exception);                                   // a user error carries no exception (no stack trace shown)
        foreach (var f in fragments) Assert.Contains(f, failed.Message);
        return failed.Message;
    }

    /// <summary>As <see cref="AssertCleanFailure"/>, naming the case <paramref name="line"/> when it does not hold.</summary>
    public static void AssertCase(this KernelCommandResult result, string line, params string[] fragments)
    {
        try { result.AssertCleanFailure(fragments); }
        catch (Exception e) when (e is Xunit.Sdk.XunitException) { throw new Xunit.Sdk.XunitException($"case '{line}': {e.Message}"); }
    }

    /// <summary>No stack trace and no bug label in <paramref name="message"/>.</summary>
    public static void AssertClean(string message)
    {
        Assert.DoesNotContain("LatentLab bug", message);
        Assert.DoesNotContain("   at ", message);
        Assert.DoesNotContain("Exception:", message);
    }

    /// <summary>All text the cell displayed (plain text of every display and update).</summary>
    public static string Text(this KernelCommandResult result) =>
        string.Join("\n", result.Events.OfType<DisplayEvent>().Select(e => e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value).OfType<string>());

    /// <summary>
    /// The kernel is alive (a C# cell runs and returns) and every variable in <paramref name="bound"/> is still bound to a
    /// non-null value of its type that is not disposed.
    /// </summary>
    public static async Task AssertAliveAsync(this Kernel kernel, params (string Name, Type Type)[] bound)
    {
        var alive = await kernel.SubmitAsync("6 * 7");
        alive.AssertSucceeded();
        Assert.Equal("42", alive.ReturnedText());
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        foreach (var (name, type) in bound)
        {
            Assert.True(csharp.TryGetValue<object>(name, out var value) && value is not null, $"{name} is no longer bound");
            Assert.IsAssignableFrom(type, value);
            var disposed = type.GetProperty("IsDisposed")?.GetValue(value);
            Assert.False(disposed is true, $"{name} was disposed by a failed command");
        }
    }
}
