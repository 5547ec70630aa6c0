using LatentLab.Options;
using Microsoft.DotNet.Interactive.Directives;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// One flag of a magic command as .NET Interactive and <c>#!latentlab</c> see it, derived from a <see cref="Knob"/> of an
/// options record (the single source of its name, help, default and allowed values). A switch that is on by default also
/// has its off flag (<c>--control</c> / <c>--no-control</c>): two options, one knob.
/// </summary>
public sealed record CommandOption(string Name, string Description, Knob Knob, OptionSchema Schema)
{
    /// <summary>The default as help shows it.</summary>
    public string? Default { get; init; }

    /// <summary>True for the off flag of a switch that is on by default.</summary>
    public bool IsOffSwitch { get; init; }

    /// <summary>True for an on/off switch without a value.</summary>
    public bool Flag => Knob.IsSwitch;

    /// <summary>Values offered as completions.</summary>
    public IReadOnlyList<string>? Choices => Knob.IsSwitch ? null : Knob.Choices;

    /// <summary>True when the value is a comma-separated list.</summary>
    public bool IsList => Knob.Kind is KnobKind.TextList or KnobKind.IntegerList || Knob.Attribute.ChoiceList;

    /// <summary>True when the command cannot run without it.</summary>
    public bool Required => Knob.Attribute.Required;

    /// <summary>Short hint of the value's kind.</summary>
    public string TypeHint => Knob.TypeHint;

    /// <summary>The allowed values as one phrase, or null when anything goes.</summary>
    public string? AllowedText => Knob.IsSwitch ? null : Knob.AllowedText;

    /// <summary>The options of <paramref name="knob"/>: its flag, and for a switch that is on by default its off flag.</summary>
    public static IEnumerable<CommandOption> Of(Knob knob, OptionSchema schema, string? defaultText = null)
    {
        yield return new CommandOption(knob.Flag, knob.Help, knob, schema) { Default = defaultText ?? knob.DefaultText };
        if (knob.OffFlag is { } off)
        {
            yield return new CommandOption(off, $"Turns {knob.Flag} off.", knob, schema) { Default = "off", IsOffSwitch = true };
        }
    }

    /// <summary>Builds the parameter registered with .NET Interactive (parsing, completions).</summary>
    public KernelDirectiveParameter ToParameter()
    {
        var parameter = new KernelDirectiveParameter(Name, Description) { Flag = Flag, TypeHint = TypeHint };
        if (Choices is { Count: > 0 } choices)
        {
            parameter.AddCompletions(() => choices);
        }
        return parameter;
    }
}
