using System.Security.Cryptography;
using LatentLab.LanguageModels;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// The real Qwen3 tokenizer (shared/fixtures/llm/tokenizers/qwen3) against the reference encodings made with two JS
/// implementations of Hugging Face tokenizers: ids token for token (with and without special tokens), token strings,
/// decoding, and the chat prompts exactly as the model's own template renders them.
/// </summary>
public class LanguageModelTokenizerTests
{
    static readonly Lazy<LanguageModelTokenizer> Qwen3 = new(() => LanguageModelTokenizer.Load(Path.Combine(LlmFixtures.Folder, "tokenizers", "qwen3")));
    static readonly Lazy<TokenizerReference> Qwen3Reference = new(() => TokenizerReference.Load("qwen3"));

    public static TheoryData<string> Qwen3Keys() => new(TokenizerReference.Load("qwen3").Strings.Select(s => s.Key));

    [Fact]
    public void Qwen3_TokenizerFile_IsTheOneTheReferenceWasMadeWith()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(LlmFixtures.Folder, "tokenizers", "qwen3", "tokenizer.json"))));
        Assert.Equal(Qwen3Reference.Value.Sha256, hash);
    }

    [Theory]
    [MemberData(nameof(Qwen3Keys))]
    public void Qwen3_Encode_MatchesReferenceTokenForToken(string key)
    {
        var e = Qwen3Reference.Value.Strings.Single(s => s.Key == key);
        var tok = Qwen3.Value;
        Assert.Equal(e.Ids, tok.Encode(e.Text));
        Assert.Equal(e.IdsWithSpecial, tok.Encode(e.Text, addSpecialTokens: true));
        Assert.Equal(e.Tokens, e.Ids.Select(tok.TokenOf).ToArray());
        Assert.Equal(e.Decoded, tok.Decode(e.Ids));
    }

    [Fact]
    public void Qwen3_ChatPrompts_MatchTheModelsOwnTemplate()
    {
        var tok = Qwen3.Value;
        Assert.Equal("chatml", tok.Chat!.Family);
        Assert.NotEmpty(Qwen3Reference.Value.Chats);
        foreach (var c in Qwen3Reference.Value.Chats)
        {
            Assert.Equal(c.Text, tok.ApplyChatTemplate(c.Messages, c.AddGenerationPrompt, c.EnableThinking));
            Assert.Equal(c.Ids, tok.EncodeChat(c.Messages, c.AddGenerationPrompt, c.EnableThinking));
        }
    }

    [Fact]
    public void Qwen3_SpecialTokens_AreKnownAndSkippable()
    {
        var tok = Qwen3.Value;
        Assert.Equal("<|im_end|>", tok.EosToken);
        Assert.Equal(151645, tok.SpecialTokenId("<|im_end|>"));
        Assert.Equal(151669, tok.VocabSize);
        var ids = tok.Encode("<|im_start|>user\nHi<|im_end|>");
        Assert.Equal(151644, ids[0]);
        Assert.Equal("user\nHi", tok.Decode(ids, skipSpecialTokens: true));
        Assert.Contains("outside this tokenizer's vocabulary", Assert.Throws<ArgumentException>(() => tok.Decode([200000])).Message);
    }

    [Fact]
    public void MissingOrUnsupportedTokenizer_IsNamed()
    {
        using var empty = new LatentLab.Tests.Probes.TempFolder();
        Assert.Contains("no tokenizer.json", Assert.Throws<FileNotFoundException>(() => LanguageModelTokenizer.Load(empty.Path)).Message);
        File.WriteAllText(empty.File("tokenizer.json"), """{"model": {"type": "Unigram", "vocab": []}}""");
        Assert.Contains("'Unigram' is not supported", Assert.Throws<NotSupportedException>(() => LanguageModelTokenizer.Load(empty.Path)).Message);
    }
}
