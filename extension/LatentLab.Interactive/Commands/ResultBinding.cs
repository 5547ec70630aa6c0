using LatentLab.Options;
using LatentLab.Interactive.Formatting;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// C# variables and commands: <c>--out name</c> puts a command's result into a variable the next cell can use;
/// <see cref="GetVariable{T}"/> reads a variable an option names (<c>--model model</c>).
/// </summary>
public static class ResultBinding
{
    /// <summary>
    /// Declares <paramref name="name"/> of type <typeparamref name="T"/> in the notebook's C# kernel and says so in the output.
    /// Throws <see cref="CommandException"/> when the notebook has no C# kernel. After an interrupt it first waits (up to a
    /// second) for the cell to end: the declaration is a Roslyn compilation (0.05-2 s, allocation-heavy) that would otherwise
    /// run while the host sends the cell's end; the next cell waits for the binding (<see cref="PendingResults"/>).
    /// </summary>
    public static async Task BindAsync<T>(KernelInvocationContext context, string name, T value)
    {
        if (context.CancellationToken.IsCancellationRequested) await PendingResults.CellEndedAsync(context, TimeSpan.FromSeconds(1));
        var csharp = FindCSharpKernel(context, $"--out {name}");
        await csharp.SetValueAsync(name, value!, typeof(T));
        context.Display(new HtmlFragment(
            $"<div class=\"latentlab-bound\"><code>{ReportFormat.Escape(name)}</code> now holds the result " +
            $"(<code>{ReportFormat.Escape(FriendlyName(typeof(T)))}</code>); use it in the next cell.</div>",
            $"{name} now holds the result ({FriendlyName(typeof(T))}); use it in the next cell."), "text/html", "text/plain");
    }

    /// <summary>
    /// Binds <paramref name="value"/> to <paramref name="name"/> first, then (when <paramref name="path"/> is given) saves it with
    /// <paramref name="save"/>: a failed save is a warning saying how to save again (<paramref name="saveAgain"/>, C# the user can
    /// type), never the loss of a finished result.
    /// </summary>
    public static async Task BindThenSaveAsync<T>(KernelInvocationContext context, string name, T value, string? path, Action<string> save, string saveAgain)
    {
        await BindAsync(context, name, value);
        if (path is null) return;
        try
        {
            save(path);
            context.Display(new HtmlFragment($"<div>Saved to <code>{ReportFormat.Escape(path)}</code>.</div>", $"Saved to {path}."), "text/html", "text/plain");
        }
        catch (Exception e) when (CommandRunner.IsUserError(e))
        {
            var text = $"Warning: {name} holds the result, but saving it to {path} failed: {UserErrors.MessageOf(UserErrors.Unwrap(e))} Save it again with {saveAgain}.";
            context.Display(new HtmlFragment($"<div style=\"color:{Palette.Caution}\">{ReportFormat.Escape(text)}</div>", text), "text/html", "text/plain");
        }
    }

    /// <summary>
    /// Reads the C# variable <paramref name="name"/> that option <paramref name="option"/> names (e.g. <c>--model model</c>).
    /// Throws <see cref="CommandException"/> naming the option when there is no such variable or it is not a <typeparamref name="T"/>;
    /// <paramref name="missing"/> and <paramref name="wrongType"/> (given the type found) replace the generic messages
    /// where a command can say more precisely how to make the variable; <paramref name="recreate"/> says how to make it again when it
    /// holds an object that was disposed.
    /// </summary>
    public static T GetVariable<T>(KernelInvocationContext context, string option, string name, string? missing = null, Func<string, string>? wrongType = null,
        string? recreate = null)
    {
        var csharp = FindCSharpKernel(context, $"{option} {name}");
        if (!csharp.TryGetValue<object>(name, out var value))
        {
            throw new CommandException(missing ?? $"{option} {name}: there is no C# variable named '{name}' yet. Run the command that creates it first (with --out {name}).");
        }
        if (value is null)
        {
            throw new CommandException($"{option} {name}: the variable '{name}' exists but holds null" +
                                       (typeof(T) == typeof(object) ? ". " : $", not {WithArticle(FriendlyName(typeof(T)))}. ") +
                                       $"Assign it first (run the command that creates it with --out {name}, or set {name} in C#), or name another variable.");
        }
        if (IsDisposed(value))
        {
            throw new CommandException($"{option} {name}: '{name}' holds a {FriendlyName(value.GetType())} that has been disposed ({name}.Dispose() or the end of a " +
                                       $"using block freed its tensors), so it cannot be used any more. Recreate it: " +
                                       (recreate ?? $"run the cell that created it again (with --out {name}) or load it from its file") +
                                       ", and dispose it only when you are done with it.");
        }
        if (value is T typed) return typed;
        var found = FriendlyName(value.GetType());
        throw new CommandException(wrongType?.Invoke(found) ?? $"{option} {name}: '{name}' has type {found}; {option} needs type {FriendlyName(typeof(T))}.");
    }

    /// <summary>The C# variable <paramref name="name"/> when it holds a <typeparamref name="T"/> (disposed or not), else null; never throws.</summary>
    internal static T? TryPeek<T>(KernelInvocationContext context, string name) where T : class
    {
        var root = context.HandlingKernel?.RootKernel ?? Kernel.Root;
        var csharp = root as CSharpKernel ?? root?.FindKernelByName("csharp") as CSharpKernel;
        return csharp is not null && csharp.TryGetValue<object>(name, out var value) ? value as T : null;
    }

    /// <summary>True for an object that says it was disposed (a public bool IsDisposed, as LatentLab's results and models have).</summary>
    internal static bool IsDisposed(object value) =>
        value.GetType().GetProperty("IsDisposed", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public) is { PropertyType: var t } property
        && t == typeof(bool) && property.GetIndexParameters().Length == 0 && (bool)property.GetValue(value)!;

    static CSharpKernel FindCSharpKernel(KernelInvocationContext context, string what)
    {
        var root = context.HandlingKernel?.RootKernel ?? Kernel.Root
            ?? throw new CommandException($"{what}: there is no kernel holding C# variables.");
        return root as CSharpKernel ?? root.FindKernelByName("csharp") as CSharpKernel
            ?? throw new CommandException(
                $"{what} needs the notebook's C# kernel ('csharp'), which this notebook does not have. Run LatentLab in a C# notebook.");
    }

    /// <summary>"a TrainedStudent", "an Int32", "an ActivationSet": the type name with its article, for messages.</summary>
    public static string WithArticle(string typeName) => ("AEIOU".Contains(char.ToUpperInvariant(typeName.FirstOrDefault('x'))) ? "an " : "a ") + typeName;

    static string FriendlyName(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(FriendlyName))}>"
        : type.Name;
}
