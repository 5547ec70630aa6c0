using System.Collections.Concurrent;
using System.Security.Cryptography;
using LatentLab.LanguageModels;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// Real tokenizers against the reference encodings made with two JS implementations of Hugging Face tokenizers
/// (shared/fixtures/llm/tokenizers/encodings): ids token for token (with and without special tokens), token strings,
/// decoding, and the chat prompts exactly as each model's own template renders them. Qwen3's files are in the fixtures;
/// Llama 3's and Gemma 3's are installed by tests/install-llm-tokenizers.sh (skipped, saying so, when absent).
/// </summary>
public class LanguageModelTokenizerTests
{
    static readonly ConcurrentDictionary<string, Lazy<LanguageModelTokenizer>> Tokenizers = new();
    static readonly ConcurrentDictionary<string, Lazy<TokenizerReference>> References = new();

    static LanguageModelTokenizer Tokenizer(string name) =>
        Tokenizers.GetOrAdd(name, n => new(() => LanguageModelTokenizer.Load(TokenizerReference.FolderOf(n)!))).Value;

    static TokenizerReference Reference(string name) => References.GetOrAdd(name, n => new(() => TokenizerReference.Load(n))).Value;

    public static TheoryData<string, string> Keys(string name)
    {
        var data = new TheoryData<string, string>();
        foreach (var s in TokenizerReference.Load(name).Strings) data.Add(name, s.Key);
        return data;
    }

    void FileIsTheReferenceOne(string name)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(TokenizerReference.FolderOf(name)!, "tokenizer.json"))));
        Assert.Equal(Reference(name).Sha256, hash);
    }

    void EncodeMatches(string name, string key)
    {
        var e = Reference(name).Strings.Single(s => s.Key == key);
        var tok = Tokenizer(name);
        Assert.Equal(e.Ids, tok.Encode(e.Text));
        Assert.Equal(e.IdsWithSpecial, tok.Encode(e.Text, addSpecialTokens: true));
        Assert.Equal(e.Tokens, e.Ids.Select(tok.TokenOf).ToArray());
        Assert.Equal(e.Decoded, tok.Decode(e.Ids));
    }

    void ChatMatches(string name, string family)
    {
        var tok = Tokenizer(name);
        Assert.Equal(family, tok.Chat!.Family);
        Assert.NotEmpty(Reference(name).Chats);
        foreach (var c in Reference(name).Chats)
        {
            Assert.Equal(c.Text, tok.ApplyChatTemplate(c.Messages, c.AddGenerationPrompt, c.EnableThinking));
            Assert.Equal(c.Ids, tok.EncodeChat(c.Messages, c.AddGenerationPrompt, c.EnableThinking));
        }
    }

    [TokenizerTheory("qwen3")]
    [InlineData("qwen3")]
    public void TokenizerFile_IsTheOneTheReferenceWasMadeWith_Qwen3(string name) => FileIsTheReferenceOne(name);

    [TokenizerTheory("llama3")]
    [InlineData("llama3")]
    public void TokenizerFile_IsTheOneTheReferenceWasMadeWith_Llama3(string name) => FileIsTheReferenceOne(name);

    [TokenizerTheory("gemma3")]
    [InlineData("gemma3")]
    public void TokenizerFile_IsTheOneTheReferenceWasMadeWith_Gemma3(string name) => FileIsTheReferenceOne(name);

    [TokenizerTheory("qwen3")]
    [MemberData(nameof(Keys), "qwen3")]
    public void Encode_MatchesReferenceTokenForToken_Qwen3(string name, string key) => EncodeMatches(name, key);

    [TokenizerTheory("llama3")]
    [MemberData(nameof(Keys), "llama3")]
    public void Encode_MatchesReferenceTokenForToken_Llama3(string name, string key) => EncodeMatches(name, key);

    [TokenizerTheory("gemma3")]
    [MemberData(nameof(Keys), "gemma3")]
    public void Encode_MatchesReferenceTokenForToken_Gemma3(string name, string key) => EncodeMatches(name, key);

    [TokenizerTheory("qwen3")]
    [InlineData("qwen3", "chatml")]
    public void ChatPrompts_MatchTheModelsOwnTemplate_Qwen3(string name, string family) => ChatMatches(name, family);

    [TokenizerTheory("llama3")]
    [InlineData("llama3", "llama3")]
    public void ChatPrompts_MatchTheModelsOwnTemplate_Llama3(string name, string family) => ChatMatches(name, family);

    [TokenizerTheory("gemma3")]
    [InlineData("gemma3", "gemma")]
    public void ChatPrompts_MatchTheModelsOwnTemplate_Gemma3(string name, string family) => ChatMatches(name, family);

    [Fact]
    public void Qwen3_SpecialTokens_AreKnownAndSkippable()
    {
        var tok = Tokenizer("qwen3");
        Assert.Equal("<|im_end|>", tok.EosToken);
        Assert.Equal(151645, tok.SpecialTokenId("<|im_end|>"));
        Assert.Equal(151669, tok.VocabSize);
        var ids = tok.Encode("<|im_start|>user\nHi<|im_end|>");
        Assert.Equal(151644, ids[0]);
        Assert.Equal("user\nHi", tok.Decode(ids, skipSpecialTokens: true));
        Assert.Contains("outside this tokenizer's vocabulary", Assert.Throws<ArgumentException>(() => tok.Decode([200000])).Message);
    }

    [Fact]
    public void TokenizerOfAnotherModel_IsRefused_AndTheRightOneAccepted()
    {
        var tok = Tokenizer("qwen3");
        var tiny = LatentLab.LanguageModels.LanguageModelConfig.Load(LlmFixtures.Model("qwen3"));     // vocab_size 512
        Assert.Contains("belongs to another model", Assert.Throws<InvalidDataException>(() => tok.CheckMatches(tiny)).Message);
        tok.CheckMatches(tiny with { VocabSize = 151936 });                                           // Qwen3-0.6B's padded table
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
