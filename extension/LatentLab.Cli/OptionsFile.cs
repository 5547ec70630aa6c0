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
    /// <summary>The key/value pairs of the file, as text the knobs parse; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Read(string path)
    {
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
            return document.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, string?>(p.Name, Text(path, p))).ToList();
        }
    }

    static string Text(string path, JsonProperty p) => p.Value.ValueKind switch
    {
        JsonValueKind.String => p.Value.GetString()!,
        JsonValueKind.Number => p.Value.GetRawText(),
        JsonValueKind.True => "true",                     // as written, so a message about a non-switch quotes it as the user typed it
        JsonValueKind.False => "false",
        JsonValueKind.Null => throw new InvalidDataException($"--options {path}: \"{p.Name}\" is null; give a value, or leave the key out for the default."),
        JsonValueKind.Array => string.Join(",", p.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : v.GetRawText())),
        _ => throw new InvalidDataException($"--options {path}: \"{p.Name}\" holds an object; expected a number, text, true/false or a list."),
    };
}
