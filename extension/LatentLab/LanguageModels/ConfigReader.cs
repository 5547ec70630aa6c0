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

    public int? Int(string key) => Get(key) is { } v ? (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Bad(key, "an integer")) : defaults?.Invoke(key);

    public double? Double(string key) => Get(key) is { } v ? (v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(key, "a number")) : defaults?.Invoke(key);

    public int RequiredInt(string key) => Int(key) ?? throw new InvalidDataException($"{Source} lacks \"{key}\", which every checkpoint of this family has. Is the file complete?");

    public string[] StringArray(string key) => Get(key) is { ValueKind: JsonValueKind.Array } v
        ? v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(key, "a list of strings")).ToArray()
        : throw Bad(key, "a list of strings");

    public int[] IntOrIntArray(string key) => Get(key) switch
    {
        null => [],
        { ValueKind: JsonValueKind.Number } v => [v.GetInt32()],
        { ValueKind: JsonValueKind.Array } v => v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetInt32() : throw Bad(key, "an integer or a list of integers")).ToArray(),
        _ => throw Bad(key, "an integer or a list of integers"),
    };

    InvalidDataException Bad(string key, string expected) => new($"{Source}: \"{key}\" should be {expected}.");
}
