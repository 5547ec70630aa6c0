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

    /// <summary>Where tests/install-llm-tokenizers.sh puts the npm tokenizers ($LATENTLAB_TOKENIZER_CACHE or ~/.cache/latentlab/tokenizers).</summary>
    public static string CacheFolder => Environment.GetEnvironmentVariable("LATENTLAB_TOKENIZER_CACHE") is { Length: > 0 } env ? env
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "latentlab", "tokenizers");

    /// <summary>The folder holding NAME's tokenizer.json: the shared fixtures for qwen3, the install cache for the others; null if absent.</summary>
    public static string? FolderOf(string name)
    {
        var fixture = Path.Combine(LlmFixtures.Folder, "tokenizers", name);
        if (File.Exists(Path.Combine(fixture, "tokenizer.json"))) return fixture;
        var cached = Path.Combine(CacheFolder, name);
        return File.Exists(Path.Combine(cached, "tokenizer.json")) ? cached : null;
    }

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
