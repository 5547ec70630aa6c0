using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// Checks one bound option value against its <see cref="CommandOption"/>. Every message names the option, the bad
/// value and what is allowed, e.g. <c>--arms must be from 2 to 64 (got 1).</c>; null means the value is fine.
/// </summary>
public static class OptionValidation
{
    /// <summary>Checks <paramref name="value"/> (the bound property value) against the option's range, choices or identifier rule.</summary>
    public static string? Check(CommandOption option, object? value)
    {
        switch (value)
        {
            case null:
                return option.Required ? $"{option.Name} is required: {option.Description}" : null;
            case int or long or short or float or double or decimal:
                return Range(option.Name, Convert.ToDouble(value, CultureInfo.InvariantCulture), option.Min, option.Max);
            case string text when option.Choices is { Count: > 0 } choices:
                return option.IsList ? ChoiceList(option.Name, text, choices) : Choice(option.Name, text, choices);
            case string text when option.IsIdentifier:
                return Identifier(option.Name, text);
            case string text when option.Required && string.IsNullOrWhiteSpace(text):
                return $"{option.Name} is required: {option.Description}";
            default:
                return null;
        }
    }

    /// <summary>Inclusive range check; either bound may be absent.</summary>
    public static string? Range(string name, double value, double? min, double? max)
    {
        if (double.IsNaN(value) || (min is { } lo && value < lo) || (max is { } hi && value > hi))
        {
            var allowed = (min, max) switch
            {
                ({ } lo2, { } hi2) => $"from {Format(lo2)} to {Format(hi2)}",
                ({ } lo2, null) => $"at least {Format(lo2)}",
                (null, { } hi2) => $"at most {Format(hi2)}",
                _ => "a number",
            };
            return $"{name} must be {allowed} (got {Format(value)}).";
        }
        return null;
    }

    /// <summary>The value must be one of <paramref name="choices"/> (case-insensitive).</summary>
    public static string? Choice(string name, string value, IReadOnlyList<string> choices) =>
        choices.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase)
            ? null
            : $"{name} must be one of {string.Join(", ", choices)} (got '{value}').";

    /// <summary>Every comma-separated item must be one of <paramref name="choices"/>.</summary>
    public static string? ChoiceList(string name, string value, IReadOnlyList<string> choices)
    {
        var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0)
        {
            return $"{name} needs at least one of {string.Join(", ", choices)} (got '{value}').";
        }
        var unknown = items.Where(item => !choices.Contains(item, StringComparer.OrdinalIgnoreCase)).ToArray();
        return unknown.Length == 0
            ? null
            : $"{name}: '{string.Join("', '", unknown)}' not known; use a comma-separated list of {string.Join(", ", choices)} (got '{value}').";
    }

    /// <summary>The value must be a valid C# variable name (not a keyword).</summary>
    public static string? Identifier(string name, string value) =>
        SyntaxFacts.IsValidIdentifier(value) && SyntaxFacts.GetKeywordKind(value) == SyntaxKind.None
            ? null
            : $"{name} must be a C# variable name such as result or model1 (got '{value}').";

    static string Format(double value) => value.ToString("0.############", CultureInfo.InvariantCulture);
}
