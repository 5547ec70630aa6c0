using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>What <c>#!llm-generate</c> reads besides its options: the loaded model and the prompt.</summary>
public sealed record LlmGenerateInputs
{
    [Knob("--model", "The C# variable holding a LanguageModel (from #!llm-load --out llm).", TypeHint = "variable", Identifier = true)]
    public string Model { get; init; } = "llm";

    [Knob("--prompt", "The text to continue (asked as a user message of the chat template unless --raw).")]
    public string? Prompt { get; init; }

    [Knob("--raw", "Continue the prompt as it is, without the chat template.")]
    public bool Raw { get; init; }
}
