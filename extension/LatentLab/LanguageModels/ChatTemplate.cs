using System.Text;

namespace LatentLab.LanguageModels;

/// <summary>
/// The chat templates of the supported families, written out in C# (no Jinja engine): each produces the text that the
/// model's own <c>chat_template</c> renders for plain system/user/assistant messages (no tools, no images).
/// The family is recognised from the template in tokenizer_config.json.
/// </summary>
/// <remarks>
/// Llama 3.1 / 3.2 / 3.3 Instruct ("llama3.1"): the template always opens with a system header that states the knowledge
/// cut-off and a date, "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n", then the (trimmed) system
/// message, if any. The date is the template's <c>date_string</c>: 3.1 and 3.3 default to "26 Jul 2024"; 3.2's template
/// asks for today's date (<c>strftime_now("%d %b %Y")</c>, as transformers renders it), which makes its prompt change
/// from day to day; pass <c>dateString</c> to fix it. Tools (custom or built-in) are not rendered: without them the
/// template emits no "Environment: ipython" line, which is what this renders.
/// </remarks>
public sealed class ChatTemplate
{
    /// <summary>"chatml" (Qwen2/Qwen3), "llama3" (Llama 3.0), "llama3.1" (Llama 3.1-3.3 Instruct), "gemma" (Gemma 2/3).</summary>
    public string Family { get; }
    /// <summary>Llama 3.1+: the date the template writes when none is given ("26 Jul 2024"), or null when the template
    /// writes today's date (Llama 3.2's strftime_now). Null for the other families.</summary>
    public string? DefaultDateString { get; }
    readonly string _bos;
    readonly bool _alwaysPrompt;   // Llama 3.0's template appends the assistant header whether asked or not
    readonly bool _noSystemRole;   // Gemma 2's template refuses a system message

    ChatTemplate(string family, string bos, bool alwaysPrompt = false, bool noSystemRole = false, string? defaultDate = null)
    {
        Family = family;
        DefaultDateString = defaultDate;
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
            if (template.Contains("Cutting Knowledge Date"))
            {
                // 3.1/3.3: {%- set date_string = "26 Jul 2024" %}; 3.2: strftime_now("%d %b %Y") when defined (it is, in transformers).
                string? date = template.Contains("strftime_now") ? null : QuotedDate(template) ?? "26 Jul 2024";
                return new ChatTemplate("llama3.1", bosToken ?? "<|begin_of_text|>", defaultDate: date);
            }
            if (template.Contains("ipython"))
                throw new NotSupportedException($"{source}: this Llama chat template has tool (ipython) turns but no knowledge-date system block; " +
                    "it is neither the Llama 3.0 nor the 3.1+ template. Render the prompt yourself and encode it with Encode(text).");
            return new ChatTemplate("llama3", bosToken ?? "<|begin_of_text|>", alwaysPrompt: !template.Contains("add_generation_prompt"));
        }
        if (template.Contains("<start_of_turn>")) return new ChatTemplate("gemma", bosToken ?? "<bos>", noSystemRole: template.Contains("System role not supported"));
        throw new NotSupportedException($"{source}: this chat template is not one of the supported families (ChatML as in Qwen, Llama 3, Gemma). " +
            "Render the prompt yourself and encode it with Encode(text).");
    }

    // The literal default of {%- set date_string = "..." %} in a Llama 3.1+ template.
    static string? QuotedDate(string template)
    {
        var m = System.Text.RegularExpressions.Regex.Match(template, "set\\s+date_string\\s*=\\s*[\"']([^\"']+)[\"']");
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>The prompt text for <paramref name="messages"/>; with <paramref name="addGenerationPrompt"/> it ends where the
    /// assistant's reply begins. <paramref name="enableThinking"/> false adds Qwen3's empty think block.
    /// <paramref name="dateString"/> is Llama 3.1+'s date_string (e.g. "26 Jul 2024"; null: the template's default, which
    /// for Llama 3.2 is today's date); the other families ignore it.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, bool enableThinking = true, string? dateString = null)
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
            "llama3.1" => Llama31(messages, addGenerationPrompt,
                dateString ?? DefaultDateString ?? DateTime.Now.ToString("dd MMM yyyy", System.Globalization.CultureInfo.InvariantCulture)),
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

    // bos; a system header that is always there: knowledge cut-off, date, then the trimmed system message (or nothing);
    // then every other message as in Llama 3.0. (Python's str.strip and Jinja's trim remove the same whitespace as Trim().)
    string Llama31(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string date)
    {
        var sb = new StringBuilder(_bos).Append("<|start_header_id|>system<|end_header_id|>\n\n")
            .Append("Cutting Knowledge Date: December 2023\n").Append("Today Date: ").Append(date).Append("\n\n");
        int start = 0;
        if (messages[0].Role == "system")
        {
            sb.Append(messages[0].Content.Trim());
            start = 1;
        }
        sb.Append("<|eot_id|>");
        for (int i = start; i < messages.Count; i++)
            sb.Append("<|start_header_id|>").Append(messages[i].Role).Append("<|end_header_id|>\n\n").Append(messages[i].Content.Trim()).Append("<|eot_id|>");
        if (addGenerationPrompt) sb.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
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
