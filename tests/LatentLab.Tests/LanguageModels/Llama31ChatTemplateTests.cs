using System.Text.Json;
using LatentLab.LanguageModels;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// The Llama 3.1+ chat template (knowledge-date system header, no tools) against the model's own template rendered by
/// @huggingface/jinja (llama31-chat.references.json beside this file says how it was made): the text character for
/// character, and, with the Llama 3 tokenizer installed (tests/install-llm-tokenizers.sh), the ids token for token.
/// </summary>
public class Llama31ChatTemplateTests
{
    // Llama-3.1-8B-Instruct's chat_template, abridged to the parts that decide the output without tools.
    const string Llama31 = "{{- bos_token }}{%- if not date_string is defined %}{%- set date_string = \"26 Jul 2024\" %}{%- endif %}" +
        "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- endif %}" +
        "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}{%- if builtin_tools is defined or tools is not none %}{{- \"Environment: ipython\\n\" }}{%- endif %}" +
        "{{- \"Cutting Knowledge Date: December 2023\\n\" }}{{- \"Today Date: \" + date_string + \"\\n\\n\" }}{{- system_message }}{{- \"<|eot_id|>\" }}" +
        "{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

    // Llama-3.2's differs only in the date: today's, when the renderer defines strftime_now (transformers does).
    const string Llama32 = "{{- bos_token }}{%- if not date_string is defined %}{%- if strftime_now is defined %}{%- set date_string = strftime_now(\"%d %b %Y\") %}" +
        "{%- else %}{%- set date_string = \"26 Jul 2024\" %}{%- endif %}{%- endif %}{{- \"Cutting Knowledge Date: December 2023\\n\" }}<|start_header_id|>";

    public sealed record Reference(string Key, ChatMessage[] Messages, bool AddGenerationPrompt, string? DateString, string Text, int[] Ids);

    public static IEnumerable<object[]> Keys() => References().Select(r => new object[] { r.Key });

    static Reference[] References()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "LanguageModels", "llama31-chat.references.json")));
        return doc.RootElement.GetProperty("chats").EnumerateArray().Select(c =>
        {
            var kwargs = c.GetProperty("template_kwargs");
            return new Reference(c.GetProperty("key").GetString()!,
                c.GetProperty("messages").EnumerateArray().Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToArray(),
                kwargs.TryGetProperty("add_generation_prompt", out var g) && g.GetBoolean(),
                kwargs.TryGetProperty("date_string", out var d) ? d.GetString() : null,
                c.GetProperty("text").GetString()!, c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray());
        }).ToArray();
    }

    static Reference Get(string key) => References().Single(r => r.Key == key);

    [Theory]
    [MemberData(nameof(Keys))]
    public void RendersTheTemplatesText(string key)
    {
        var r = Get(key);
        var t = ChatTemplate.FromTemplateText(Llama31, "<|begin_of_text|>", "tokenizer_config.json")!;
        Assert.Equal("llama3.1", t.Family);
        Assert.Equal("26 Jul 2024", t.DefaultDateString);
        Assert.Equal(r.Text, t.Render(r.Messages, r.AddGenerationPrompt, dateString: r.DateString));
    }

    [TokenizerTheory("llama3")]
    [MemberData(nameof(Keys))]
    public void EncodesTokenForToken(string key)
    {
        var r = Get(key);
        var tokenizer = LanguageModelTokenizer.Load(TokenizerReference.FolderOf("llama3")!);
        var t = ChatTemplate.FromTemplateText(Llama31, tokenizer.BosToken, "tokenizer_config.json")!;
        Assert.Equal(r.Ids, tokenizer.Encode(t.Render(r.Messages, r.AddGenerationPrompt, dateString: r.DateString), addSpecialTokens: false));
    }

    [Fact]
    public void Llama32_WritesTodaysDate_UnlessGivenOne()
    {
        var t = ChatTemplate.FromTemplateText(Llama32, null, "tokenizer_config.json")!;
        Assert.Equal("llama3.1", t.Family);
        Assert.Null(t.DefaultDateString);
        var before = DateTime.Now.ToString("dd MMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
        var text = t.Render([ChatMessage.User("Hi")]);
        var after = DateTime.Now.ToString("dd MMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(text.Contains($"Today Date: {before}\n\n") || text.Contains($"Today Date: {after}\n\n"), text);
        Assert.Equal(Get("date_string").Text, t.Render(Get("date_string").Messages, dateString: "02 Dec 2026"));
    }

    [Fact]
    public void ToolRoles_AreRefusedByName()
    {
        var t = ChatTemplate.FromTemplateText(Llama31, null, "x")!;
        Assert.Contains("role 'ipython' is not supported", Assert.Throws<ArgumentException>(() => t.Render([ChatMessage.User("Hi"), new ChatMessage("ipython", "{}")])).Message);
    }
}
