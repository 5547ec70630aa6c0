using System.Net;
using LatentLab.Interactive.Formatting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;

namespace LatentLab.Interactive.Commands;

/// <summary><c>--out name</c>: puts a command's result into a C# variable that the next cell can use.</summary>
public static class ResultBinding
{
    /// <summary>
    /// Declares <paramref name="name"/> of type <typeparamref name="T"/> in the notebook's C# kernel and says so in the output.
    /// Throws <see cref="CommandException"/> when the notebook has no C# kernel.
    /// </summary>
    public static async Task BindAsync<T>(KernelInvocationContext context, string name, T value)
    {
        var root = context.HandlingKernel?.RootKernel ?? Kernel.Root
            ?? throw new CommandException($"--out {name}: there is no kernel to bind the result in.");
        var csharp = root as CSharpKernel ?? root.FindKernelByName("csharp") as CSharpKernel
            ?? throw new CommandException(
                $"--out {name} needs the notebook's C# kernel ('csharp'), which this notebook does not have. Run LatentLab in a C# notebook.");
        await csharp.SetValueAsync(name, value!, typeof(T));
        context.Display(new HtmlFragment(
            $"<div class=\"latentlab-bound\"><code>{WebUtility.HtmlEncode(name)}</code> now holds the result " +
            $"(<code>{WebUtility.HtmlEncode(FriendlyName(typeof(T)))}</code>); use it in the next cell.</div>",
            $"{name} now holds the result ({FriendlyName(typeof(T))}); use it in the next cell."), "text/html", "text/plain");
    }

    static string FriendlyName(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(FriendlyName))}>"
        : type.Name;
}
