namespace LatentLab.Options;

/// <summary>
/// Declares one knob of an options record, once: its flag (as typed in a notebook or a terminal), one line of help, and
/// what values it allows. The default is the property's initializer. Everything else (the magic command's parameters,
/// <c>#!latentlab</c> help, completions, validation messages, the console tool, sweep files) is derived from it by
/// <see cref="OptionSchema"/>.
/// </summary>
/// <example><c>[Knob("--arms", "K, the number of arms of every bandit.", Min = 2, Max = 64)] public int Arms { get; init; } = 5;</c></example>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class KnobAttribute(string flag, string help) : Attribute
{
    /// <summary>The flag, e.g. <c>--train-horizon</c>.</summary>
    public string Flag { get; } = flag;

    /// <summary>One line: what the knob does (and what the default means when that is not obvious).</summary>
    public string Help { get; } = help;

    /// <summary>Inclusive lower bound of a numeric knob (NaN: none). For a list of numbers, of every item.</summary>
    public double Min { get; set; } = double.NaN;

    /// <summary>Inclusive upper bound of a numeric knob (NaN: none).</summary>
    public double Max { get; set; } = double.NaN;

    /// <summary>True when the lower bound itself is not allowed (e.g. a learning rate must be above 0).</summary>
    public bool ExclusiveMin { get; set; }

    /// <summary>True when the upper bound itself is not allowed.</summary>
    public bool ExclusiveMax { get; set; }

    /// <summary>The values a text knob accepts (case-insensitive; offered as completions). Enums list their own members.</summary>
    public string[]? Choices { get; set; }

    /// <summary>For a text knob holding a comma-separated list: every item must be one of <see cref="Choices"/>.</summary>
    public bool ChoiceList { get; set; }

    /// <summary>
    /// For a bool knob that defaults to true: the flag that turns it off (default <c>--no-</c> + the flag name). A bool knob
    /// that defaults to false is a plain switch.
    /// </summary>
    public string? OffFlag { get; set; }

    /// <summary>The value's kind for help (int, number, text, path, list ...); derived from the property type when null.</summary>
    public string? TypeHint { get; set; }

    /// <summary>The value must be set (not null, not blank).</summary>
    public bool Required { get; set; }

    /// <summary>The value must be usable as a C# variable name (an <c>--out</c> name).</summary>
    public bool Identifier { get; set; }

    /// <summary>Help text of the default when the initializer alone does not say it (e.g. "the student's").</summary>
    public string? DefaultText { get; set; }

    /// <summary>A knob set only from C# (e.g. a progress interval): not offered as a flag, still validated.</summary>
    public bool Hidden { get; set; }
}
