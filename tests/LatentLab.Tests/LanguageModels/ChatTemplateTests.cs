using LatentLab.LanguageModels;

namespace LatentLab.Tests.LanguageModels;

/// <summary>Template families recognised from tokenizer_config.json's chat_template, and what each refuses.</summary>
public class ChatTemplateTests
{
    // Gemma 2's template (google/gemma-2-2b-it tokenizer_config.json), abridged to the parts that decide the output.
    const string Gemma2 = "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" +
        "{% for message in messages %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}";

    [Fact]
    public void Gemma2_RendersTurns_AndRefusesASystemMessage()
    {
        var t = ChatTemplate.FromTemplateText(Gemma2, "<bos>", "tokenizer_config.json")!;
        Assert.Equal("gemma", t.Family);
        Assert.Equal("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n<start_of_turn>model\n",
            t.Render([ChatMessage.User(" Hi "), ChatMessage.Assistant("Hello"), ]));
        Assert.Contains("no system role", Assert.Throws<ArgumentException>(() => t.Render([ChatMessage.System("Be brief."), ChatMessage.User("Hi")])).Message);
    }

    [Fact]
    public void UnknownOrUnimplementedTemplates_AreNamed()
    {
        Assert.Null(ChatTemplate.FromTemplateText(null, null, "tokenizer_config.json"));
        Assert.Equal("llama3.1", ChatTemplate.FromTemplateText("<|start_header_id|>system<|end_header_id|>Cutting Knowledge Date: December 2023", null, "x")!.Family);
        Assert.Contains("neither the Llama 3.0 nor the 3.1+ template", Assert.Throws<NotSupportedException>(() =>
            ChatTemplate.FromTemplateText("<|start_header_id|>ipython<|end_header_id|>", null, "x")).Message);
        Assert.Contains("not one of the supported families", Assert.Throws<NotSupportedException>(() =>
            ChatTemplate.FromTemplateText("[INST] {{ message['content'] }} [/INST]", null, "x")).Message);
        var chatml = ChatTemplate.FromTemplateText("<|im_start|>", null, "x")!;
        Assert.Contains("role 'tool' is not supported", Assert.Throws<ArgumentException>(() => chatml.Render([new ChatMessage("tool", "{}")])).Message);
    }
}
