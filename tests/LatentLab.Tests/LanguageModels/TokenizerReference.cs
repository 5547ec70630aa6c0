using System.Text.Json;
using LatentLab.LanguageModels;

namespace LatentLab.Tests.LanguageModels;

/// <summary>One tokenizer's reference encodings (shared/fixtures/llm/tokenizers/encodings/NAME.encodings.json).</summary>
public sealed class TokenizerReference
{
    public sealed record Entry(string Key, string Text, int[] Ids, int[] IdsWithSpecial, string[] Tokens, string Decoded);
    public sealed record Chat(string Key, ChatMessage[] Messages, bool AddGenerationPrompt, bool EnableThinking, string Text, int[] Ids);

    public required string Sha256 { get; init; }
    public required Entry[] Strings { get; init; }
    public required Chat[] Chats { get; init; }

    public static TokenizerReference Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(LlmFixtures.Folder, "tokenizers", "encodings", $"{name}.encodings.json")));
        var r = doc.RootElement;
        static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
        return new TokenizerReference
        {
            Sha256 = r.GetProperty("tokenizer_json_sha256").GetString()!,
            Strings = r.GetProperty("strings").EnumerateArray().Select(s => new Entry(
                s.GetProperty("key").GetString()!, s.GetProperty("text").GetString()!, Ints(s.GetProperty("ids")), Ints(s.GetProperty("ids_with_special")),
                s.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!).ToArray(), s.GetProperty("decoded").GetString()!)).ToArray(),
            Chats = r.GetProperty("chats").EnumerateArray().Select(c =>
            {
                var kwargs = c.GetProperty("template_kwargs");
                return new Chat(c.GetProperty("key").GetString()!,
                    c.GetProperty("messages").EnumerateArray().Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToArray(),
                    kwargs.TryGetProperty("add_generation_prompt", out var g) && g.GetBoolean(),
                    !kwargs.TryGetProperty("enable_thinking", out var th) || th.GetBoolean(),
                    c.GetProperty("text").GetString()!, Ints(c.GetProperty("ids")));
            }).ToArray(),
        };
    }
}
