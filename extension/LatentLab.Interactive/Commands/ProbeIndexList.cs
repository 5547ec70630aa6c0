using System.Globalization;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// The value of <c>--layers</c> / <c>--positions</c>: <c>all</c>, or comma-separated whole numbers and inclusive ranges
/// (<c>0,2,5</c>, <c>0-3</c>, <c>2..6</c>, <c>-5..-1</c> for positions counted from the end with <c>--align end</c>).
/// Only the syntax is checked here; whether the numbers exist depends on the activation set and is checked by the sweep.
/// </summary>
public static class ProbeIndexList
{
    /// <summary>Null for <c>all</c> (or empty), else the numbers in the order given, without repeats.</summary>
    public static IReadOnlyList<int>? Parse(string optionName, string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var values = new List<int>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseItem(item, out var from, out var to))
                throw new ArgumentException($"{optionName} '{text}': '{item}' is not a number or range. {Syntax}");
            if (to < from)
                throw new ArgumentException($"{optionName} '{text}': the range '{item}' runs backwards; write the smaller number first ({to}..{from}).");
            if ((long)to - from > 100_000)
                throw new ArgumentException($"{optionName} '{text}': the range '{item}' is too long (over 100000 entries).");
            for (int i = from; i <= to; i++)
            {
                if (!values.Contains(i)) values.Add(i);
            }
        }
        return values;
    }

    /// <summary>The accepted syntax, for messages and help.</summary>
    public const string Syntax = "Use all, or comma-separated whole numbers and ranges such as 0,2,5 or 0-3 or 2..6 (-5..-1 counts positions from the end with --align end).";

    /// <summary>The syntax problem of <paramref name="text"/>, or null when it parses.</summary>
    public static string? Check(string optionName, string? text)
    {
        try
        {
            Parse(optionName, text);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    static bool TryParseItem(string item, out int from, out int to)
    {
        from = to = 0;
        if (item.Length == 0) return false;
        if (Int(item, out from)) { to = from; return true; }
        var dots = item.IndexOf("..", StringComparison.Ordinal);
        if (dots > 0) return Int(item[..dots], out from) && Int(item[(dots + 2)..], out to);
        var dash = item.IndexOf('-', 1); // "a-b" with a >= 0 (a leading '-' is a sign)
        return dash > 0 && !item.StartsWith('-') && Int(item[..dash], out from) && Int(item[(dash + 1)..], out to);
    }

    static bool Int(string s, out int value) =>
        int.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
