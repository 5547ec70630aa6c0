using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// Base of every LatentLab magic command. A subclass declares no properties: .NET Interactive puts every typed value into
/// <see cref="Values"/> as text, and the command's <see cref="CommandDefinition"/> parses it into the options records with their
/// own messages (<c>--arms (Arms) expects a whole number (2 to 64); got 'abc'.</c>) and checks ranges and rules before the
/// handler runs (DNI211).
/// </summary>
/// <remarks>Keep public properties out of subclasses and this base (besides <see cref="Values"/>): System.Text.Json would bind a flag
/// of the same name to such a property instead of <see cref="Values"/>.</remarks>
public abstract class LatentLabCommand : KernelDirectiveCommand
{
    /// <summary>The values as .NET Interactive bound them: flag name (camel case) -> text, or true/false for switches.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Values { get; set; }

    /// <summary>The definition of this command.</summary>
    internal CommandDefinition Defined => CommandDefinition.For(GetType()) ?? throw new InvalidOperationException(
        $"{GetType().Name} has no CommandDefinition; create one with CommandDefinition.Create<{GetType().Name}>(...).");

    /// <summary>Called by .NET Interactive's parser (composite kernels); the first message is shown to the user.</summary>
    public sealed override IEnumerable<string> GetValidationErrors(CompositeKernel kernel) =>
        Validate().Select(message => $"{Defined.Name}: {message}");

    /// <summary>Every problem with the options as typed, one readable message each; empty when the command can run.</summary>
    public IReadOnlyList<string> Validate() => Defined.Problems(this);

    /// <summary>An inputs record of this command (<typeparamref name="T"/>'s defaults with the line applied), checked.</summary>
    public T Get<T>() where T : class => Defined.Read<T>(this);

    /// <summary>
    /// The science options: the record named by <c>--options</c> (or the defaults), with the options on the line applied
    /// over it, checked by the record's own schema (a bad record gets the same messages as a bad line).
    /// </summary>
    public T Options<T>(KernelInvocationContext context) where T : class
    {
        var notebook = Get<NotebookKnobs>();
        var start = notebook.Options is { } name ? ResultBinding.GetVariable<T>(context, "--options", name) : null;
        return Defined.Read(this, start, notebook.Options is { } variable ? $"--options {variable}" : null);
    }

    /// <summary>The variable that receives the result (<c>--out</c>, or the command's default).</summary>
    public string OutName => Get<NotebookKnobs>().Out ?? Defined.DefaultOut ?? throw new InvalidOperationException($"{Defined.Name} binds no result.");

    /// <summary><c>--device</c> as typed: auto, cpu or cuda.</summary>
    public string DeviceName => Get<NotebookKnobs>().Device;
}
