using LatentLab.Options;

namespace LatentLab.LanguageModels;

/// <summary>The prompt of one generation, as flags declared once for <c>#!llm-generate</c> and <c>latentlab llm-generate</c>.</summary>
public sealed record GenerationPrompt
{
    /// <summary>The text the model answers.</summary>
    [Knob("--prompt", "The text to continue (asked as a user message of the chat template unless --raw).")]
    public string? Prompt { get; init; }

    /// <summary>True: continue the text as it is.</summary>
    [Knob("--raw", "Continue the prompt as it is, without the chat template.")]
    public bool Raw { get; init; }

    /// <summary>The message for a missing prompt.</summary>
    public const string Missing = "--prompt is required: the text the model answers, e.g. --prompt \"What is 2 + 2?\".";

    /// <summary>The prompt's token ids for <paramref name="tokenizer"/> (the chat template unless --raw or the tokenizer has none); throws naming --prompt when it is empty.</summary>
    public IReadOnlyList<int> Encode(LanguageModelTokenizer tokenizer)
    {
        if (string.IsNullOrEmpty(Prompt)) throw new ArgumentException(Missing);
        return Raw || tokenizer.Chat is null
            ? tokenizer.Encode(Prompt, addSpecialTokens: true)
            : tokenizer.EncodeChat([ChatMessage.User(Prompt)], addGenerationPrompt: true, enableThinking: false);
    }
}
