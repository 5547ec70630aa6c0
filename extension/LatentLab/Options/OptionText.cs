using System.Globalization;

namespace LatentLab.Options;

/// <summary>Small text rules shared by every knob: numbers as users type them, C# variable names, index ranges.</summary>
public static class OptionText
{
    /// <summary>A number without trailing zeros, invariant culture: 0.01, 3000, 1E-06.</summary>
    public static string Number(double value) => value.ToString("0.############", CultureInfo.InvariantCulture) is var s && s.Length <= 16
        ? s
        : value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>True when <paramref name="name"/> can be a C# variable (letters, digits, underscores; not starting with a digit; not a keyword).</summary>
    public static bool IsIdentifier(string name)
    {
        if (string.IsNullOrEmpty(name) || !(char.IsLetter(name[0]) || name[0] == '_')) return false;
        if (!name.All(c => char.IsLetterOrDigit(c) || c == '_')) return false;
        return !Keywords.Contains(name);
    }

    /// <summary>
    /// The problem of a comma-separated list of grid values, or null: a value with a leading zero ("0,01" typed with a decimal
    /// comma reads as the values 0 and 01) or a value given twice (the same point would run twice).
    /// </summary>
    public static string? GridValuesProblem(string option, string part, IReadOnlyList<string> values)
    {
        foreach (var v in values)
        {
            var digits = v.TrimStart('-', '+');
            if (digits.Length > 1 && digits[0] == '0' && char.IsAsciiDigit(digits[1]))
                return $"{option}: '{v}' in '{part}' looks like the decimals of a number written with a decimal comma (values are separated by commas): " +
                       "write decimals with a point, e.g. 0.01 (or drop the leading zero).";
        }
        var twice = values.GroupBy(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? Number(x) : v)
            .FirstOrDefault(g => g.Count() > 1);
        return twice is null ? null : $"{option}: '{part}' lists the value {twice.Key} {twice.Count()} times; give each value once.";
    }

    /// <summary>One item of an index list: 5, -3, 0-3, 2..6, -5..-1.</summary>
    public static bool TryParseRange(string item, out int from, out int to)
    {
        from = to = 0;
        if (item.Length == 0) return false;
        if (Int(item, out from)) { to = from; return true; }
        var dots = item.IndexOf("..", StringComparison.Ordinal);
        if (dots > 0) return Int(item[..dots], out from) && Int(item[(dots + 2)..], out to);
        var dash = item.IndexOf('-', 1); // "a-b" with a >= 0 (a leading '-' is a sign)
        return dash > 0 && !item.StartsWith('-') && Int(item[..dash], out from) && Int(item[(dash + 1)..], out to);
    }

    static bool Int(string s, out int value) => int.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue", "decimal",
        "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally", "fixed", "float", "for",
        "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long", "namespace", "new", "null",
        "object", "operator", "out", "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte",
        "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };
}
