using System.Globalization;
using System.Reflection;
using System.Text;

namespace LatentLab.Options;

/// <summary>
/// One knob of an options record as <see cref="OptionSchema"/> read it from its <see cref="KnobAttribute"/>: flag, help,
/// default (the property's initializer), allowed values. Parses a typed-in value and checks a bound one, with messages
/// that name the flag and the property both (<c>--arms (Arms) must be from 2 to 64 (got 1).</c>).
/// </summary>
public sealed class Knob
{
    internal Knob(PropertyInfo property, KnobAttribute attribute, object? defaultValue)
    {
        Property = property;
        Attribute = attribute;
        Default = defaultValue;
        ValueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        Kind = KindOf(ValueType) ?? throw new ArgumentException(
            $"{property.DeclaringType?.Name}.{property.Name}: a knob must be an int, long, double, bool, enum, string, IReadOnlyList<int> or " +
            $"IReadOnlyList<string> (got {property.PropertyType.Name}).");
        if (!attribute.Flag.StartsWith("--", StringComparison.Ordinal) || attribute.Flag.Length < 3)
            throw new ArgumentException($"{property.DeclaringType?.Name}.{property.Name}: a flag starts with -- (got '{attribute.Flag}').");
        Choices = Kind == KnobKind.Choice
            ? Enum.GetNames(ValueType).Select(Kebab).ToArray()
            : attribute.Choices;
        OffFlag = Kind == KnobKind.Switch && defaultValue is true ? attribute.OffFlag ?? "--no-" + attribute.Flag[2..] : null;
    }

    /// <summary>The record's property.</summary>
    public PropertyInfo Property { get; }

    /// <summary>The declaration.</summary>
    public KnobAttribute Attribute { get; }

    /// <summary>The value in a record made with <c>new()</c>.</summary>
    public object? Default { get; }

    /// <summary>The property type without <see cref="Nullable{T}"/>.</summary>
    public Type ValueType { get; }

    /// <summary>What kind of value it holds.</summary>
    public KnobKind Kind { get; }

    /// <summary>The flag, e.g. <c>--train-horizon</c>.</summary>
    public string Flag => Attribute.Flag;

    /// <summary>For a switch that is on by default, the flag that turns it off (e.g. <c>--no-control</c>); else null.</summary>
    public string? OffFlag { get; }

    /// <summary>One line of help.</summary>
    public string Help => Attribute.Help;

    /// <summary>Allowed values of a choice or text-list knob (kebab-case enum members, or the declared choices).</summary>
    public IReadOnlyList<string>? Choices { get; }

    /// <summary>A switch: the flag takes no value.</summary>
    public bool IsSwitch => Kind == KnobKind.Switch;

    /// <summary>Set from C# only; not offered as a flag.</summary>
    public bool IsHidden => Attribute.Hidden;

    /// <summary>How messages name the knob: its flag (the property follows at the end of each message, see <see cref="Tag"/>).</summary>
    public string Name => Flag;

    /// <summary>The property as a C# user writes it, e.g. <c>BanditTrainingOptions.Arms</c>.</summary>
    public string PropertyPath => $"{Property.ReflectedType?.Name ?? Property.DeclaringType?.Name}.{Property.Name}";

    /// <summary>A message about this knob with the property named at its end, for users who set it from C# and never typed a flag.</summary>
    public string Tag(string message) => $"{message} [C#: {PropertyPath}]";

    /// <summary>The value kind for help and prompts.</summary>
    public string TypeHint => Attribute.TypeHint ?? Kind switch
    {
        KnobKind.Integer => "int",
        KnobKind.Number => "number",
        KnobKind.Switch => "flag",
        KnobKind.IntegerList => "list",
        KnobKind.TextList => "list",
        _ => "text",
    };

    /// <summary>The default as a user would type it (or the knob's <see cref="KnobAttribute.DefaultText"/>).</summary>
    public string DefaultText => Attribute.DefaultText ?? Format(Default);

    /// <summary>The allowed values as one phrase for help and messages, or null when anything of the type goes.</summary>
    public string? AllowedText
    {
        get
        {
            if (Choices is { Count: > 0 } choices)
                return Kind == KnobKind.TextList || Attribute.ChoiceList ? "comma-separated list of " + string.Join(", ", choices) : string.Join(" | ", choices);
            if (Kind == KnobKind.IntegerList)
                return "all, or numbers and ranges such as 0,2,5 or 0-3 (-5..-1 counts from the end)";
            if (Attribute.Identifier) return "a C# variable name";
            return RangeText();
        }
    }

    /// <summary>The key .NET Interactive and the console use for the flag: letters and digits only, lower case.</summary>
    public static string KeyOf(string flagOrName)
    {
        var key = new StringBuilder(flagOrName.Length);
        foreach (var c in flagOrName)
        {
            if (char.IsLetterOrDigit(c)) key.Append(char.ToLowerInvariant(c));
        }
        return key.ToString();
    }

    /// <summary>
    /// Parses a value as typed (<c>--arms 5</c>, a console argument, a sweep file's text). Throws <see cref="ArgumentException"/>
    /// naming the knob, the text and the expected type and range; range and choice are checked by <see cref="Check"/>.
    /// </summary>
    public object? Parse(string text)
    {
        try
        {
            return ParseCore(text);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(Tag(e.Message), e);
        }
    }

    object? ParseCore(string text)
    {
        var value = text.Trim();
        switch (Kind)
        {
            case KnobKind.Integer:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                {
                    // All digits but beyond 64 bits (99999999999999999999999): out of range, not "without a decimal point".
                    if (value.Length > 0 && value.TrimStart('-', '+').Length > 0 && value.TrimStart('-', '+').All(char.IsAsciiDigit) && value.LastIndexOfAny(['-', '+']) <= 0)
                        throw new ArgumentException($"{Name} must be {WholeRange(ValueType == typeof(int))} (got {text}).");
                    var hint = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                        ? ", without a decimal point"
                        : value.Length == 0 ? ", and the value is missing" : "";
                    throw new ArgumentException($"{Name} expects a whole number{Describe(RangeText())}{hint}; got '{text}'.");
                }
                if (ValueType == typeof(int))
                {
                    if (whole is < int.MinValue or > int.MaxValue)
                        throw new ArgumentException($"{Name} must be {WholeRange(thirtyTwoBits: true)} (got {text}).");
                    return (int)whole;
                }
                return whole;
            case KnobKind.Number:
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    var hint = value.Contains(',') ? ", with a point as the decimal separator (0.01, not 0,01)" : value.Length == 0 ? ", and the value is missing" : "";
                    throw new ArgumentException($"{Name} expects a number{Describe(RangeText())}{hint}; got '{text}'.");
                }
                return ValueType == typeof(float) ? (float)number : number;
            case KnobKind.Switch:
                return value.ToLowerInvariant() switch
                {
                    "" or "true" or "on" or "yes" or "1" => true,
                    "false" or "off" or "no" or "0" => false,
                    _ => throw new ArgumentException($"{Name} is a switch: on or off (true or false); got '{text}'."),
                };
            case KnobKind.Choice:
                foreach (var name in Enum.GetNames(ValueType))
                {
                    if (KeyOf(name) == KeyOf(value)) return Enum.Parse(ValueType, name);
                }
                throw new ArgumentException($"{Name} must be one of {string.Join(", ", Choices!)} (got '{text}').");
            case KnobKind.IntegerList:
                return ParseIntegerList(text);
            case KnobKind.TextList:
                return value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => s.ToLowerInvariant()).ToArray();
            default:
                return text;
        }
    }

    /// <summary>The problem with a bound value (range, choice, identifier, required), or null when it is fine.</summary>
    public string? Check(object? value) => CheckCore(value) is { } problem ? Tag(problem) : null;

    string? CheckCore(object? value)
    {
        switch (value)
        {
            case null:
                return Attribute.Required ? $"{Name} is required: {Help}" : null;
            case int or long or short or float or double:
                return CheckRange(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case string text when Attribute.Required && string.IsNullOrWhiteSpace(text):
                return $"{Name} is required: {Help}";
            case string text when Choices is { Count: > 0 } choices && Attribute.ChoiceList:
                return CheckItems(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), choices);
            case string text when Choices is { Count: > 0 } choices:
                return choices.Contains(text.Trim(), StringComparer.OrdinalIgnoreCase)
                    ? null
                    : $"{Name} must be one of {string.Join(", ", choices)} (got '{text}').";
            case string text when Attribute.Identifier:
                return OptionText.IsIdentifier(text) ? null : $"{Name} must be a C# variable name such as result or model1 (got '{text}').";
            case IReadOnlyList<string> items when Choices is { Count: > 0 } choices:
                return CheckItems(items, choices);
            case IReadOnlyList<int> items:
                return items.Count == 0
                    ? $"{Name} needs at least one number (or all)."
                    : items.Select(i => CheckRange(i)).FirstOrDefault(m => m is not null);
            case Enum e when !Enum.IsDefined(e.GetType(), e):
                return $"{Name} must be one of {string.Join(", ", Choices!)} (got {e}).";
            default:
                return null;
        }
    }

    /// <summary>The value as a user would type it: <c>5</c>, <c>0.01</c>, <c>per-arm</c>, <c>on</c>, <c>0,2,5</c>; none / all for null.</summary>
    public string Format(object? value) => value switch
    {
        null => Kind == KnobKind.IntegerList || Kind == KnobKind.TextList ? "all" : "none",
        bool b => b ? "on" : "off",
        double d => OptionText.Number(d),
        float f => OptionText.Number(f),
        Enum e => Kebab(e.ToString()),
        IReadOnlyList<int> list => string.Join(",", list.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        IReadOnlyList<string> list => string.Join(",", list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>PascalCase -> kebab-case: PerArm -> per-arm, Ucb1 -> ucb1.</summary>
    public static string Kebab(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]))) text.Append('-');
            // A year (four or more digits) is a word of its own, as users write it: AlignmentFaking2024 -> alignment-faking-2024
            // (short numbers stay attached: Ucb1 -> ucb1, Float32 -> float32).
            else if (char.IsDigit(name[i]) && i > 0 && char.IsLetter(name[i - 1]) && DigitsFrom(name, i) >= 4) text.Append('-');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>
    /// The range of a whole-number knob for a value beyond its type: the declared range where it has both ends, else the
    /// declared end with the type's limit ("at least 0" alone would be wrong for 99999999999 on an int knob).
    /// </summary>
    string WholeRange(bool thirtyTwoBits)
    {
        var a = Attribute;
        if (!double.IsNaN(a.Min) && !double.IsNaN(a.Max)) return RangePhrase()!;
        string min = !double.IsNaN(a.Min) ? OptionText.Number(a.Min) : thirtyTwoBits ? int.MinValue.ToString(CultureInfo.InvariantCulture) : long.MinValue.ToString(CultureInfo.InvariantCulture);
        string max = !double.IsNaN(a.Max) ? OptionText.Number(a.Max) : thirtyTwoBits ? int.MaxValue.ToString(CultureInfo.InvariantCulture) : long.MaxValue.ToString(CultureInfo.InvariantCulture);
        return $"a whole number from {min} to {max}";
    }

    static int DigitsFrom(string s, int start)
    {
        int n = 0;
        while (start + n < s.Length && char.IsDigit(s[start + n])) n++;
        return n;
    }

    string? CheckRange(double value)
    {
        var a = Attribute;
        bool tooLow = !double.IsNaN(a.Min) && (a.ExclusiveMin ? value <= a.Min : value < a.Min);
        bool tooHigh = !double.IsNaN(a.Max) && (a.ExclusiveMax ? value >= a.Max : value > a.Max);
        if (double.IsNaN(value) || (Kind == KnobKind.Number && double.IsInfinity(value) && (!double.IsNaN(a.Min) || !double.IsNaN(a.Max))) || tooLow || tooHigh)
        {
            return $"{Name} must be {RangePhrase() ?? "a number"} (got {OptionText.Number(value)}).";
        }
        return null;
    }

    string? CheckItems(IReadOnlyList<string> items, IReadOnlyList<string> choices)
    {
        if (items.Count == 0) return $"{Name} needs at least one of {string.Join(", ", choices)}.";
        var unknown = items.Where(item => !choices.Contains(item, StringComparer.OrdinalIgnoreCase)).ToArray();
        return unknown.Length == 0
            ? null
            : $"{Name}: '{string.Join("', '", unknown)}' not known; use a comma-separated list of {string.Join(", ", choices)}.";
    }

    /// <summary>The range in words for messages: "from 2 to 64", "above 0 and at most 1", "at least 1"; null when unbounded.</summary>
    string? RangePhrase() => Range(("above ", "at least "), ("below ", "at most "), "from {0} to {1}", " and ");

    /// <summary>The range as help shows it: "2 to 64", "> 0, <= 1", ">= 1"; null when unbounded.</summary>
    string? RangeText() => Range(("> ", ">= "), ("< ", "<= "), "{0} to {1}", ", ");

    /// <summary>One range rendering: the words for an exclusive / inclusive bound on each side, the closed form, the joiner.</summary>
    string? Range((string Exclusive, string Inclusive) low, (string Exclusive, string Inclusive) high, string closed, string joiner)
    {
        var a = Attribute;
        bool lo = !double.IsNaN(a.Min), hi = !double.IsNaN(a.Max);
        string min = OptionText.Number(a.Min), max = OptionText.Number(a.Max);
        string Low() => (a.ExclusiveMin ? low.Exclusive : low.Inclusive) + min;
        string High() => (a.ExclusiveMax ? high.Exclusive : high.Inclusive) + max;
        return (lo, hi) switch
        {
            (true, true) when !a.ExclusiveMin && !a.ExclusiveMax => string.Format(CultureInfo.InvariantCulture, closed, min, max),
            (true, true) => Low() + joiner + High(),
            (true, false) => Low(),
            (false, true) => High(),
            _ => null,
        };
    }

    static string Describe(string? range) => range is null ? "" : $" ({range})";

    IReadOnlyList<int>? ParseIntegerList(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return null;
        var values = new List<int>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!OptionText.TryParseRange(item, out var from, out var to))
                throw new ArgumentException($"{Name} '{text}': '{item}' is not a number or range. Use all, or comma-separated whole numbers and ranges " +
                                            "such as 0,2,5 or 0-3 or 2..6 (-5..-1 counts positions from the end with --align end).");
            if (to < from)
                throw new ArgumentException($"{Name} '{text}': the range '{item}' runs backwards; write the smaller number first ({to}..{from}).");
            if ((long)to - from > 100_000)
                throw new ArgumentException($"{Name} '{text}': the range '{item}' is too long (over 100000 entries).");
            for (int i = from; i <= to; i++)
            {
                if (!values.Contains(i)) values.Add(i);
            }
        }
        return values;
    }

    static KnobKind? KindOf(Type t) =>
        t == typeof(int) || t == typeof(long) ? KnobKind.Integer
        : t == typeof(double) || t == typeof(float) ? KnobKind.Number
        : t == typeof(bool) ? KnobKind.Switch
        : t.IsEnum ? KnobKind.Choice
        : t == typeof(string) ? KnobKind.Text
        : t == typeof(IReadOnlyList<int>) ? KnobKind.IntegerList
        : t == typeof(IReadOnlyList<string>) ? KnobKind.TextList
        : null;
}
