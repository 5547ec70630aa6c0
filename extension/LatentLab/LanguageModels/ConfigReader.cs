using System.Text.Json;

namespace LatentLab.LanguageModels;

/// <summary>Typed reads of a config.json object; a wrong type gets a message naming the key and the file.</summary>
internal sealed class ConfigReader(JsonElement root, string source, Func<string, int?>? defaults = null)
{
    public string Source { get; } = source;

    /// <summary>The same object, with integer defaults for keys it leaves out (a family's config-class defaults).</summary>
    public ConfigReader WithDefaults(Func<string, int?> intDefaults) => new(root, Source, intDefaults);

    public bool Has(string key) => root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    JsonElement? Get(string key) => root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public ConfigReader? Object(string key)
    {
        if (Get(key) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Object) throw Bad(key, "an object");
        return new ConfigReader(v, $"{Source} ({key})");
    }

    public string? String(string key) => Get(key) is { } v ? (v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(key, "a string")) : null;

    public bool? Bool(string key) => Get(key) is { } v ? v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Bad(key, "true or false"),
    } : null;

    public int? Int(string key) => Get(key) is { } v ? Int32(key, v) : defaults?.Invoke(key);

    /// <summary>A size (layers, heads, widths): a whole number of at least 1, or the family default when the key is absent.</summary>
    public int? Size(string key) => Int(key) is { } n ? (n >= 1 ? n : throw new InvalidDataException(
        $"{Source}: \"{key}\" is {n}; a size must be a whole number of at least 1. Is config.json damaged or edited by hand?")) : null;

    /// <summary>As <see cref="Size"/>, for a key every checkpoint of the family has.</summary>
    public int RequiredSize(string key) => Size(key) ?? throw Lacks(key);

    // A number that is whole but too large (99999999999) or has a fraction (64.5) says so, instead of "should be an integer".
    int Int32(string key, JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Number) throw Bad(key, $"an integer, not {JsonValueText.Describe(v)}");
        if (v.TryGetInt32(out int i)) return i;
        if (v.TryGetInt64(out _) || (v.TryGetDouble(out double d) && Math.Floor(d) == d))
            throw new InvalidDataException($"{Source}: \"{key}\" is {v.GetRawText()}, too large for this setting (at most {int.MaxValue}). Is config.json damaged or edited by hand?");
        throw Bad(key, $"an integer, not {v.GetRawText()}");
    }


    public double? Double(string key) => Get(key) is { } v ? (v.ValueKind == JsonValueKind.Number ? Finite(key, v.TryGetDouble(out double d) ? d : double.PositiveInfinity) : throw Bad(key, $"a number, not {JsonValueText.Describe(v)}")) : defaults?.Invoke(key);

    public int RequiredInt(string key) => Int(key) ?? throw Lacks(key);

    InvalidDataException Lacks(string key) => new($"{Source} lacks \"{key}\", which every checkpoint of this family has. Is the file complete?");

    public string[] StringArray(string key) => Get(key) is { ValueKind: JsonValueKind.Array } v
        ? v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(key, "a list of strings")).ToArray()
        : throw Bad(key, "a list of strings");

    public int[] IntOrIntArray(string key) => Get(key) switch
    {
        null => [],
        { ValueKind: JsonValueKind.Number } v => [Int32(key, v)],
        { ValueKind: JsonValueKind.Array } v => v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? Int32(key, e) : throw Bad(key, "an integer or a list of integers")).ToArray(),
        _ => throw Bad(key, "an integer or a list of integers"),
    };

    double Finite(string key, double d) => double.IsFinite(d) ? d
        : throw new InvalidDataException($"{Source}: \"{key}\" is beyond the range of a double. Is config.json damaged or edited by hand?");

    InvalidDataException Bad(string key, string expected) => new($"{Source}: \"{key}\" should be {expected}.");
}
