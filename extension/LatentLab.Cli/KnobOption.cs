using System.CommandLine;
using System.CommandLine.Parsing;
using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>
/// One System.CommandLine option made from one <see cref="Knob"/> (or its off-flag): name, help line, allowed values,
/// default, completions, all read from the knob. The option only collects the text as typed; the knob parses it, so the
/// terminal gives the same messages as the notebook and the C# API.
/// </summary>
public sealed class KnobOption
{
    KnobOption(OptionSchema schema, Knob knob, string flag, bool isOffFlag)
    {
        Schema = schema;
        Knob = knob;
        Flag = flag;
        IsOffFlag = isOffFlag;
        if (knob.IsSwitch)
        {
            Symbol = new Option<bool>(flag)
            {
                Description = isOffFlag ? $"Turns {knob.Flag} off (see {knob.Flag})." : Describe(knob, withDefault: true),
                Arity = ArgumentArity.Zero,
            };
        }
        else
        {
            var option = new Option<string>(flag)
            {
                Description = Describe(knob, withDefault: true),
                HelpName = knob.TypeHint,
                Arity = ArgumentArity.ExactlyOne,
            };
            if (knob.Choices is { Count: > 0 } choices) option.CompletionSources.Add(choices.ToArray());
            Symbol = option;
        }
    }

    /// <summary>The record the knob belongs to.</summary>
    public OptionSchema Schema { get; }

    /// <summary>The knob.</summary>
    public Knob Knob { get; }

    /// <summary>The flag as typed (the knob's flag or off-flag).</summary>
    public string Flag { get; }

    /// <summary>True for the <c>--no-...</c> flag of a switch that is on by default.</summary>
    public bool IsOffFlag { get; }

    /// <summary>The System.CommandLine option.</summary>
    public Option Symbol { get; }

    /// <summary>The options of every visible knob of <paramref name="schema"/>, with off-flags after their switch.</summary>
    public static IEnumerable<KnobOption> Of(OptionSchema schema)
    {
        foreach (var knob in schema.Knobs.Where(k => !k.IsHidden))
        {
            yield return new KnobOption(schema, knob, knob.Flag, isOffFlag: false);
            if (knob.OffFlag is { } off) yield return new KnobOption(schema, knob, off, isOffFlag: true);
        }
    }

    /// <summary>The text given on the line (null for a switch), or nothing when the flag was not given.</summary>
    public bool TryGetText(ParseResult result, out string? text)
    {
        text = null;
        if (result.GetResult(Symbol) is not OptionResult { Implicit: false } given) return false;
        text = Knob.IsSwitch ? null : given.Tokens.Count > 0 ? given.Tokens[^1].Value : "";
        return true;
    }

    /// <summary>Help: the knob's line, what it allows and its default (e.g. "K, the number of arms. [2 to 64; default: 5]").</summary>
    public static string Describe(Knob knob, bool withDefault)
    {
        var parts = new List<string>();
        if (knob.AllowedText is { } allowed) parts.Add(allowed);
        if (knob.Attribute.Required) parts.Add("required");
        else if (withDefault) parts.Add("default: " + knob.DefaultText);
        return parts.Count == 0 ? knob.Help : $"{knob.Help} [{string.Join("; ", parts)}]";
    }
}
