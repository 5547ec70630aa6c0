using System.Text.Json;

namespace LatentLab.LanguageModels;

/// <summary>How a message names a JSON value of the wrong kind in a model's files (config.json, tokenizer.json,
/// tokenizer_config.json): "the text "64"", "the number 5", "true", "a JSON list".</summary>
internal static class JsonValueText
{
    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "the text " + e.GetRawText(),
        JsonValueKind.Number => "the number " + e.GetRawText(),
        JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => e.GetRawText(),
        var k => "a JSON " + (k == JsonValueKind.Array ? "list" : k.ToString().ToLowerInvariant()),
    };
}
