using LatentLab.Interactive.Tests.TestCommands;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

/// <summary>An in-process notebook: a composite kernel with C#, LatentLab loaded directly (as a host would after #r).</summary>
internal static class KernelTestHost
{
    public static async Task<CompositeKernel> CreateAsync(bool withTestCommand = false)
    {
        var csharp = new CSharpKernel().UseKernelHelpers().UseValueSharing();
        var kernel = new CompositeKernel { csharp };
        kernel.DefaultKernelName = csharp.Name;
        await new LatentLabKernelExtension().OnLoadAsync(kernel);
        if (withTestCommand)
        {
            EchoTestCommand.Definition.AddTo(kernel);
            csharp.AddAssemblyReferences([typeof(EchoResult).Assembly.Location]);
        }
        return kernel;
    }

    public static Task<KernelCommandResult> SubmitAsync(this Kernel kernel, string code) => kernel.SendAsync(new SubmitCode(code));

    public static CommandFailed? Failure(this KernelCommandResult result) => result.Events.OfType<CommandFailed>().FirstOrDefault();

    public static void AssertSucceeded(this KernelCommandResult result)
    {
        if (result.Failure() is { } failed)
        {
            Assert.Fail($"Expected success, got CommandFailed: {failed.Message}");
        }
        Assert.Contains(result.Events, e => e is CommandSucceeded);
    }

    public static string Formatted(this DisplayEvent e, string mimeType) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == mimeType)?.Value
        ?? throw new Xunit.Sdk.XunitException($"no {mimeType} in {string.Join(", ", e.FormattedValues.Select(v => v.MimeType))}");

    public static IReadOnlyList<string> Html(this KernelCommandResult result) =>
        result.Events.OfType<DisplayEvent>().Select(e => e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/html")?.Value)
            .OfType<string>().ToArray();

    /// <summary>The value the cell returned, as text (its ToString).</summary>
    public static string? ReturnedText(this KernelCommandResult result) =>
        result.Events.OfType<ReturnValueProduced>().Single().Value?.ToString();

    /// <summary>The C# variable <paramref name="name"/>, which must be bound and of type <typeparamref name="T"/>.</summary>
    public static T Bound<T>(this Kernel kernel, string name)
    {
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        Assert.True(csharp.TryGetValue<T>(name, out var value), $"no C# variable {name} of type {typeof(T).Name}");
        return value;
    }

    /// <summary>Waits up to 60 s for <paramref name="name"/> to be bound (after an interrupt a command binds once its current piece of work
    /// stops; on a loaded 2-core machine that took over 10 s once). Not a speed check: it only bounds how long the test waits.</summary>
    public static async Task<T> EventuallyBoundAsync<T>(this Kernel kernel, string name)
    {
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        for (int i = 0; i < 1200; i++)
        {
            if (csharp.TryGetValue<T>(name, out var value) && value is not null) return value; // SetValueAsync declares the variable (null) before it assigns it
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"{name} was not bound within 60 s of the interrupt");
    }
}
