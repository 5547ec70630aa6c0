using LatentLab.Options;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// What <c>#!llm-cot</c> reads besides its options and the question file (<see cref="LatentLab.LanguageModels.CotQuestionSource"/>,
/// shared with the console): the loaded model and the recording folder.
/// </summary>
public sealed record LlmCotInputs
{
    [Knob("--model", "The C# variable holding a LanguageModel (from #!llm-load --out llm).", TypeHint = "variable", Identifier = true)]
    public string Model { get; init; } = "llm";

    [Knob("--save", "The recording folder (default: cot-<out> beside the question file). A re-run with the same folder resumes.", TypeHint = "path")]
    public string? Save { get; init; }
}
