using System.Text.Json;
using LatentLab.Options;

namespace LatentLab.Cli;

/// <summary>
/// <c>--options FILE.json</c>: a JSON object of flag or property names and values (<c>{"arms": 10, "TrainHorizon": 50,
/// "baselines": ["ucb1", "greedy"], "control": false}</c>), applied to the record's defaults through its
/// <see cref="OptionSchema"/>, so a file meets the same parsing, ranges and messages as flags.
/// </summary>
public static class OptionsFile
{
    /// <summary>
    /// The key/value pairs of the file, as text the knobs of <paramref name="schema"/> parse; throws <see cref="InvalidDataException"/>
    /// naming the file and the problem (a JSON list or object given for a knob that takes one value is called a list or object).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Read(string path, OptionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (Directory.Exists(path))
            throw new IOException($"--options {path} is a folder; give the JSON file of options inside it, such as {{\"arms\": 10, \"steps\": 300}}.");
        if (!File.Exists(path))
            throw new FileNotFoundException($"--options {path}: no such file. Give a JSON file such as {{\"arms\": 10, \"steps\": 300}}.", path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"--options {path} is not valid JSON ({e.Message}). Expected an object such as {{\"arms\": 10, \"steps\": 300}}.", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"--options {path} holds a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}; expected an object such as {{\"arms\": 10}}.");
            return document.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, string?>(p.Name, Text(path, p, schema.Find(p.Name)))).ToList();
        }
    }

    static string Text(string path, JsonProperty p, Knob? knob) => p.Value.ValueKind switch
    {
        JsonValueKind.String => p.Value.GetString()!,
        JsonValueKind.Number => p.Value.GetRawText(),
        JsonValueKind.True => "true",                     // as written, so a message about a non-switch quotes it as the user typed it
        JsonValueKind.False => "false",
        JsonValueKind.Null => throw new InvalidDataException($"--options {path}: \"{p.Name}\" is null; give a value, or leave the key out for the default."),
        JsonValueKind.Array when knob is not null && !TakesList(knob) => throw new InvalidDataException(
            $"--options {path}: \"{p.Name}\" holds a JSON list ({Compact(p.Value)}), but {knob.Flag} takes {OneValue(knob)}; give a single value, e.g. \"{p.Name}\": {Example(knob)}."),
        JsonValueKind.Array => string.Join(",", p.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : v.GetRawText())),
        _ => throw new InvalidDataException(knob is null
            ? $"--options {path}: \"{p.Name}\" holds a JSON object; expected a number, text, true/false or a list."
            : $"--options {path}: \"{p.Name}\" holds a JSON object ({Compact(p.Value)}), but {knob.Flag} takes {OneValue(knob)}; give it as \"{p.Name}\": {Example(knob)}."),
    };

    /// <summary>A list knob, a choice knob that takes several choices, or text (which may hold a comma-separated list).</summary>
    static bool TakesList(Knob knob) => knob.Kind is KnobKind.IntegerList or KnobKind.TextList or KnobKind.Text || knob.Attribute.ChoiceList;

    static string OneValue(Knob knob)
    {
        var kind = knob.Kind switch
        {
            KnobKind.Integer => "one whole number",
            KnobKind.Number => "one number",
            KnobKind.Switch => "true or false",
            KnobKind.Choice => "one choice",
            KnobKind.IntegerList or KnobKind.TextList => "a list",
            _ => "text",
        };
        return knob.AllowedText is { } allowed && knob.Kind != KnobKind.Switch ? $"{kind} ({allowed})" : kind;
    }

    static string Example(Knob knob) => knob.Kind switch
    {
        KnobKind.Integer or KnobKind.Number or KnobKind.Switch => knob.DefaultText,
        _ => $"\"{knob.DefaultText}\"",
    };

    static string Compact(JsonElement value)
    {
        var text = JsonSerializer.Serialize(value);
        return text.Length <= 60 ? text : text[..57] + "...";
    }
}
