using System.Text.Json.Nodes;
using LatentLab.LanguageModels;
using LatentLab.Options;
using LatentLab.Tests.Probes;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// tokenizer.json and config.json with fields of the wrong type or out of range, as a damaged download or a hand edit makes
/// them: each is refused with a message naming the file and the field (a user error), never a .NET exception from the JSON
/// reader, an index out of range, an overflow or a division by zero.
/// </summary>
public class HostileModelFileTests
{
    // The smallest byte-level BPE tokenizer.json the loader accepts: three tokens, one merge, one special token.
    const string Tokenizer = """
        {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]},
         "pre_tokenizer": {"type": "ByteLevel"},
         "added_tokens": [{"id": 3, "content": "<|end|>", "special": true}]}
        """;

    [Fact]
    public void TheMinimalTokenizer_Loads()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("tokenizer.json"), Tokenizer);
        Assert.Equal(4, LanguageModelTokenizer.Load(dir.Path).VocabSize);
    }

    [Theory]
    [InlineData("model", "\"BPE\"", "\"model\" should be a JSON object")]
    [InlineData("model.type", "5", "model.type should be a string, not the number 5")]
    [InlineData("model.vocab", "[1, 2]", "model.vocab should be a JSON object")]
    [InlineData("model.vocab.a", "\"0\"", "model.vocab[\"a\"] should be a token id")]
    [InlineData("model.vocab.a", "-1", "model.vocab[\"a\"] is -1; a token id is a whole number from 0 to")]
    [InlineData("model.vocab.a", "2000000000", "model.vocab[\"a\"] is 2000000000")]       // would allocate a 2e9-entry table
    [InlineData("model.vocab.a", "1.5", "model.vocab[\"a\"] is 1.5")]
    [InlineData("model.vocab", "{}", "model.vocab is empty")]
    [InlineData("model.merges", "{\"a\": 1}", "model.merges should be a JSON list")]
    [InlineData("model.merges", "[5]", "model.merges[0] should be")]
    [InlineData("model.merges", "[[\"a\", 7]]", "model.merges[0][1] should be a string")]
    [InlineData("added_tokens", "{\"a\": 1}", "added_tokens should be a JSON list")]
    [InlineData("added_tokens", "[5]", "added_tokens[0] should be a JSON object")]
    [InlineData("added_tokens", "[{\"id\": \"x\", \"content\": \"<|end|>\"}]", "added_tokens[0].id should be a token id")]
    [InlineData("added_tokens", "[{\"id\": -5, \"content\": \"<|end|>\"}]", "added_tokens[0].id is -5")]
    [InlineData("added_tokens", "[{\"id\": 3, \"content\": 7}]", "added_tokens[0].content should be a string, not the number 7")]
    [InlineData("added_tokens", "[{\"content\": \"<|end|>\"}]", "\"id\" is missing")]
    [InlineData("pre_tokenizer", "{\"type\": \"Sequence\", \"pretokenizers\": 5}", "a field has an unexpected type or value")]
    [InlineData("normalizer", "{\"type\": 5}", "a field has an unexpected type or value")]
    public void AFieldOfTheWrongTypeOrRange_IsNamedWithTheFile(string field, string json, string expected)
    {
        using var dir = new TempFolder();
        var root = JsonNode.Parse(Tokenizer)!.AsObject();
        Set(root, field, JsonNode.Parse(json));
        File.WriteAllText(dir.File("tokenizer.json"), root.ToJsonString());

        var e = Record.Exception(() => LanguageModelTokenizer.Load(dir.Path));

        Assert.NotNull(e);
        Assert.True(UserErrors.IsUserError(e), $"{e.GetType().Name}: {e.Message}");
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ATokenizerFileThatIsNotAnObject_OrATokenizerConfigOfTheWrongShape_IsNamed()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("tokenizer.json"), "[1, 2]");
        var e = Assert.Throws<InvalidDataException>(() => LanguageModelTokenizer.Load(dir.Path));
        Assert.Contains("the file should be a JSON object, not a JSON list", e.Message);

        File.WriteAllText(dir.File("tokenizer.json"), Tokenizer);
        File.WriteAllText(dir.File("tokenizer_config.json"), "\"text\"");
        e = Assert.Throws<InvalidDataException>(() => LanguageModelTokenizer.Load(dir.Path));
        Assert.Contains("tokenizer_config.json", e.Message);
    }

    [Theory]
    [InlineData("num_hidden_layers", "-3", "\"num_hidden_layers\" is -3; a size must be a whole number of at least 1")]
    [InlineData("num_attention_heads", "0", "\"num_attention_heads\" is 0")]
    [InlineData("num_key_value_heads", "0", "\"num_key_value_heads\" is 0")]                // was a DivideByZeroException
    [InlineData("head_dim", "0", "\"head_dim\" is 0")]
    [InlineData("hidden_size", "99999999999", "\"hidden_size\" is 99999999999, too large for this setting")]
    [InlineData("hidden_size", "64.5", "\"hidden_size\" should be an integer, not 64.5")]
    [InlineData("hidden_size", "\"64\"", "\"hidden_size\" should be an integer, not the text \"64\"")]
    [InlineData("vocab_size", "-1", "\"vocab_size\" is -1")]
    [InlineData("intermediate_size", "0", "\"intermediate_size\" is 0")]
    [InlineData("rope_theta", "1e400", "\"rope_theta\" is beyond the range of a double")]
    [InlineData("rms_norm_eps", "\"1e-6\"", "\"rms_norm_eps\" should be a number, not the text \"1e-6\"")]
    [InlineData("eos_token_id", "99999999999", "\"eos_token_id\" is 99999999999")]
    public void AConfigFieldOfTheWrongTypeOrRange_IsNamedWithTheFile(string key, string json, string expected)
    {
        using var dir = new TempFolder();
        var text = File.ReadAllText(Path.Combine(LlmFixtures.Model("qwen3"), "config.json"));
        var config = JsonNode.Parse(text)!.AsObject();
        config.Remove(key);
        // 1e400 is valid JSON but no JsonNode holds it: splice the raw text in.
        File.WriteAllText(dir.File("config.json"), config.ToJsonString()[..^1] + $", \"{key}\": {json}}}");

        var e = Record.Exception(() => LanguageModelConfig.Load(dir.Path));

        Assert.NotNull(e);
        Assert.True(UserErrors.IsUserError(e), $"{e.GetType().Name}: {e.Message}");
        Assert.Contains("config.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    // Hugging Face's list of named templates: the "default" one is used (as transformers does), rendered token for token as
    // the same template given as a string; without a "default" the load is refused naming the file, the field and the names.
    [Fact]
    public void AChatTemplateListOfNamedTemplates_UsesTheDefault_TokenForToken()
    {
        var fixture = Path.Combine(LlmFixtures.Folder, "tokenizers", "qwen3");
        using var dir = new TempFolder();
        File.Copy(Path.Combine(fixture, "tokenizer.json"), dir.File("tokenizer.json"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture, "tokenizer_config.json")))!.AsObject();
        var template = config["chat_template"]!.GetValue<string>();
        config["chat_template"] = new JsonArray(
            new JsonObject { ["name"] = "tool_use", ["template"] = "{{ 'not the default' }}" },
            new JsonObject { ["name"] = "default", ["template"] = template });
        File.WriteAllText(dir.File("tokenizer_config.json"), config.ToJsonString());

        var asString = LanguageModelTokenizer.Load(fixture);
        var asList = LanguageModelTokenizer.Load(dir.Path);

        ChatMessage[] chat = [ChatMessage.System("Answer briefly."), ChatMessage.User("What is 17 + 25?"), ChatMessage.Assistant("42."), ChatMessage.User("And 6 x 7?")];
        Assert.NotNull(asList.Chat);
        Assert.Equal(asString.ApplyChatTemplate(chat), asList.ApplyChatTemplate(chat));
        Assert.Equal(asString.EncodeChat(chat), asList.EncodeChat(chat));
        Assert.Equal(asString.EncodeChat(chat, enableThinking: false), asList.EncodeChat(chat, enableThinking: false));
        Assert.True(asString.EncodeChat(chat).Length > 20);
    }

    [Theory]
    [InlineData("""[{"name": "tool_use", "template": "x"}, {"name": "rag", "template": "y"}]""", "chat_template is a list of named templates (\"tool_use\", \"rag\") with none named \"default\"")]
    [InlineData("[]", "chat_template is a list of named templates (empty) with none named \"default\"")]
    [InlineData("""[{"template": "x"}]""", "chat_template[0] has no \"name\"")]
    [InlineData("""[{"name": "default"}]""", "chat_template[0] (\"default\") has no \"template\"")]
    [InlineData("""[{"name": "default", "template": 5}]""", "chat_template[0].template should be a string, not the number 5")]
    [InlineData("""["x"]""", "chat_template[0] should be a JSON object")]
    [InlineData("7", "chat_template should be a string or a list of named templates, not the number 7")]
    public void AChatTemplateListWithoutADefault_OrOfTheWrongShape_IsRefusedNamingTheFileAndField(string json, string expected)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("tokenizer.json"), Tokenizer);
        File.WriteAllText(dir.File("tokenizer_config.json"), $$"""{"eos_token": "<|end|>", "chat_template": {{json}}}""");

        var e = Record.Exception(() => LanguageModelTokenizer.Load(dir.Path));

        Assert.NotNull(e);
        Assert.True(UserErrors.IsUserError(e), $"{e.GetType().Name}: {e.Message}");
        Assert.Contains("tokenizer_config.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = root;
        foreach (var p in parts[..^1]) node = node[p]!.AsObject();
        node[parts[^1]] = value;
    }
}
