using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>What <c>#!llm-generate</c> reads besides its options and the prompt (<see cref="LatentLab.LanguageModels.GenerationPrompt"/>, shared with the console): the loaded model.</summary>
public sealed record LlmGenerateInputs
{
    [Knob("--model", "The C# variable holding a LanguageModel (from #!llm-load --out llm).", TypeHint = "variable", Identifier = true)]
    public string Model { get; init; } = "llm";
}
