using System.Text;

namespace LatentLab.LanguageModels;

/// <summary>
/// The chat templates of the supported families, written out in C# (no Jinja engine): each produces the text that the
/// model's own <c>chat_template</c> renders for plain system/user/assistant messages (no tools, no images).
/// The family is recognised from the template in tokenizer_config.json.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>"chatml" (Qwen2/Qwen3), "llama3" (Llama 3.0), "gemma" (Gemma 2/3).</summary>
    public string Family { get; }
    readonly string _bos;
    readonly bool _alwaysPrompt;   // Llama 3.0's template appends the assistant header whether asked or not
    readonly bool _noSystemRole;   // Gemma 2's template refuses a system message

    ChatTemplate(string family, string bos, bool alwaysPrompt = false, bool noSystemRole = false)
    {
        Family = family;
        _bos = bos;
        _alwaysPrompt = alwaysPrompt;
        _noSystemRole = noSystemRole;
    }

    /// <summary>Recognises the family of a tokenizer_config.json chat_template; null when there is none.</summary>
    public static ChatTemplate? FromTemplateText(string? template, string? bosToken, string source)
    {
        if (string.IsNullOrEmpty(template)) return null;
        if (template.Contains("<|im_start|>")) return new ChatTemplate("chatml", bosToken ?? "");
        if (template.Contains("<|start_header_id|>"))
        {
            if (template.Contains("Cutting Knowledge Date") || template.Contains("ipython"))
                throw new NotSupportedException($"{source}: the Llama 3.1+ chat template (tools, knowledge-date system block) is not implemented; " +
                    "only the Llama 3.0 template. Render the prompt yourself and encode it with Encode(text).");
            return new ChatTemplate("llama3", bosToken ?? "<|begin_of_text|>", alwaysPrompt: !template.Contains("add_generation_prompt"));
        }
        if (template.Contains("<start_of_turn>")) return new ChatTemplate("gemma", bosToken ?? "<bos>", noSystemRole: template.Contains("System role not supported"));
        throw new NotSupportedException($"{source}: this chat template is not one of the supported families (ChatML as in Qwen, Llama 3, Gemma). " +
            "Render the prompt yourself and encode it with Encode(text).");
    }

    /// <summary>The prompt text for <paramref name="messages"/>; with <paramref name="addGenerationPrompt"/> it ends where the
    /// assistant's reply begins. <paramref name="enableThinking"/> false adds Qwen3's empty think block.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, bool enableThinking = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0) throw new ArgumentException("A chat needs at least one message.", nameof(messages));
        foreach (var m in messages)
            if (m.Role is not ("system" or "user" or "assistant"))
                throw new ArgumentException($"Chat role '{m.Role}' is not supported; use system, user or assistant.", nameof(messages));
        if (_noSystemRole && messages.Any(m => m.Role == "system"))
            throw new ArgumentException("This model's chat template (Gemma 2) has no system role: put the instructions in the first user message.", nameof(messages));
        return Family switch
        {
            "chatml" => ChatMl(messages, addGenerationPrompt, enableThinking),
            "llama3" => Llama3(messages, addGenerationPrompt),
            _ => Gemma(messages, addGenerationPrompt),
        };
    }

    // <|im_start|>role\ncontent<|im_end|>\n per message; the reply opens with <|im_start|>assistant\n.
    static string ChatMl(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, bool enableThinking)
    {
        var sb = new StringBuilder();
        int lastUser = -1;
        for (int i = 0; i < messages.Count; i++) if (messages[i].Role == "user") lastUser = i;
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role != "assistant") { sb.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n"); continue; }
            // Qwen3 keeps a <think> block only on the assistant turns after the last user message.
            string content = m.Content, reasoning = "";
            int close = content.LastIndexOf("</think>", StringComparison.Ordinal);
            if (close >= 0)
            {
                string before = content[..close];
                int open = before.LastIndexOf("<think>", StringComparison.Ordinal);
                reasoning = (open >= 0 ? before[(open + "<think>".Length)..] : before).TrimEnd('\n').TrimStart('\n');
                content = content[(close + "</think>".Length)..].TrimStart('\n');
            }
            sb.Append("<|im_start|>assistant\n");
            if (i > lastUser && (i == messages.Count - 1 || reasoning.Length > 0))
                sb.Append("<think>\n").Append(reasoning.Trim('\n')).Append("\n</think>\n\n").Append(content.TrimStart('\n'));
            else sb.Append(content);
            sb.Append("<|im_end|>\n");
        }
        if (addGenerationPrompt)
        {
            sb.Append("<|im_start|>assistant\n");
            if (!enableThinking) sb.Append("<think>\n\n</think>\n\n");
        }
        return sb.ToString();
    }

    // bos, then <|start_header_id|>role<|end_header_id|>\n\n trimmed content <|eot_id|> per message.
    string Llama3(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var sb = new StringBuilder(_bos);
        foreach (var m in messages)
            sb.Append("<|start_header_id|>").Append(m.Role).Append("<|end_header_id|>\n\n").Append(m.Content.Trim()).Append("<|eot_id|>");
        if (addGenerationPrompt || _alwaysPrompt) sb.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        return sb.ToString();
    }

    // bos, a system message folded into the first user turn, roles user/model, trimmed content.
    string Gemma(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var sb = new StringBuilder(_bos);
        string prefix = "";
        int start = 0;
        if (messages[0].Role == "system")
        {
            prefix = messages[0].Content + "\n\n";
            start = 1;
        }
        for (int i = start; i < messages.Count; i++)
        {
            var m = messages[i];
            if ((m.Role == "user") != ((i - start) % 2 == 0))
                throw new ArgumentException("Gemma's chat template needs turns alternating user/assistant (after an optional system message).", nameof(messages));
            sb.Append("<start_of_turn>").Append(m.Role == "assistant" ? "model" : "user").Append('\n');
            if (i == start) sb.Append(prefix);
            sb.Append(m.Content.Trim()).Append("<end_of_turn>\n");
        }
        if (addGenerationPrompt) sb.Append("<start_of_turn>model\n");
        return sb.ToString();
    }
}
