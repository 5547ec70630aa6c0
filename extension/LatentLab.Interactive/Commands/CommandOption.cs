using System.Globalization;
using Microsoft.DotNet.Interactive.Directives;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// One option of a LatentLab magic command: its name, what it does, its default and what values it allows.
/// The same record builds the <see cref="KernelDirectiveParameter"/> (so completions and parsing see it), validates
/// the bound value (range or choice, message naming the option) and writes the help of <c>#!latentlab</c>.
/// The option binds to the command property of the same name in PascalCase (<c>--train-horizon</c> -> <c>TrainHorizon</c>);
/// that property's initializer must equal <see cref="Default"/> (a test checks every registered command).
/// </summary>
public sealed record CommandOption(string Name, string Description)
{
    /// <summary>The value used when the option is left out, as the user would type it; null when there is none.</summary>
    public string? Default { get; init; }

    /// <summary>Inclusive lower bound for numeric options.</summary>
    public double? Min { get; init; }

    /// <summary>Inclusive upper bound for numeric options.</summary>
    public double? Max { get; init; }

    /// <summary>The values a text option accepts (case-insensitive); also offered as completions.</summary>
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>True when the value is a comma-separated list whose every item must be one of <see cref="Choices"/>.</summary>
    public bool IsList { get; init; }

    /// <summary>True for an on/off switch without a value (bool property).</summary>
    public bool Flag { get; init; }

    /// <summary>True when the command cannot run without it.</summary>
    public bool Required { get; init; }

    /// <summary>True when the value must be usable as a C# variable name (for <c>--out</c>).</summary>
    public bool IsIdentifier { get; init; }

    /// <summary>Short hint of the value's kind for help and input prompts, e.g. "int", "number", "text", "path".</summary>
    public string TypeHint { get; init; } = "text";

    /// <summary>The property this option binds to: <c>--train-horizon</c> -> <c>TrainHorizon</c>.</summary>
    public string PropertyName => string.Concat(Name.TrimStart('-').Split('-', StringSplitOptions.RemoveEmptyEntries)
        .Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>The allowed values as one readable phrase for help and error messages, or null when anything goes.</summary>
    public string? AllowedText => this switch
    {
        { Choices: { Count: > 0 } c, IsList: true } => "comma-separated list of " + string.Join(", ", c),
        { Choices: { Count: > 0 } c } => string.Join(" | ", c),
        { Min: { } lo, Max: { } hi } => $"{Number(lo)} to {Number(hi)}",
        { Min: { } lo } => $">= {Number(lo)}",
        { Max: { } hi } => $"<= {Number(hi)}",
        { IsIdentifier: true } => "a C# variable name",
        _ => null,
    };

    /// <summary>Builds the parameter registered with .NET Interactive (parsing, completions).</summary>
    public KernelDirectiveParameter ToParameter()
    {
        var parameter = new KernelDirectiveParameter(Name, Description)
        {
            Flag = Flag,
            Required = Required,
            TypeHint = TypeHint,
        };
        if (Choices is { Count: > 0 } choices)
        {
            parameter.AddCompletions(() => choices);
        }
        return parameter;
    }

    // ---- Factories for the usual kinds of option (use these in command files) ----

    /// <summary>An integer option with an inclusive range.</summary>
    public static CommandOption Int(string name, string description, int @default, int min, int max) =>
        new(name, description) { Default = @default.ToString(CultureInfo.InvariantCulture), Min = min, Max = max, TypeHint = "int" };

    /// <summary>A real-number option with an inclusive range.</summary>
    public static CommandOption Number(string name, string description, double @default, double min, double max) =>
        new(name, description) { Default = Number(@default), Min = min, Max = max, TypeHint = "number" };

    /// <summary>A text option that must be one of <paramref name="choices"/> (offered as completions).</summary>
    public static CommandOption Choice(string name, string description, string @default, params string[] choices) =>
        new(name, description) { Default = @default, Choices = choices };

    /// <summary>A comma-separated list whose items must each be one of <paramref name="choices"/>.</summary>
    public static CommandOption ChoiceList(string name, string description, string @default, params string[] choices) =>
        new(name, description) { Default = @default, Choices = choices, IsList = true };

    /// <summary>A free text option (paths, variable names to read, lists of numbers).</summary>
    public static CommandOption Text(string name, string description, string? @default = null, string typeHint = "text") =>
        new(name, description) { Default = @default, TypeHint = typeHint };

    /// <summary>An on/off switch (bool property, false by default).</summary>
    public static CommandOption Switch(string name, string description) =>
        new(name, description) { Flag = true, Default = "off", TypeHint = "flag" };

    /// <summary><c>--device auto|cpu|cuda</c>: where tensors and modules live (auto = CUDA when available).</summary>
    public static CommandOption Device() =>
        Choice("--device", "Compute device: auto picks CUDA when a GPU is available, else CPU.", "auto", "auto", "cpu", "cuda");

    /// <summary><c>--seed</c>: same seed, same device, same numbers.</summary>
    public static CommandOption Seed() =>
        Int("--seed", "Random seed: the same seed on the same device gives the same numbers.", 0, 0, int.MaxValue);

    /// <summary><c>--out name</c>: the C# variable that receives the result in the next cell.</summary>
    public static CommandOption Out(string @default) =>
        new("--out", "Name of the C# variable that receives the result, usable in the next cell.")
        {
            Default = @default,
            IsIdentifier = true,
            TypeHint = "variable",
        };

    static string Number(double value) => value.ToString("0.############", CultureInfo.InvariantCulture);
}
