using LatentLab.Options;

namespace LatentLab.LanguageModels;

/// <summary>The question file of a chain-of-thought recording, as a flag declared once for <c>#!llm-cot</c> and <c>latentlab llm-cot</c>.</summary>
public sealed record CotQuestionSource
{
    /// <summary>The .jsonl question file.</summary>
    [Knob("--questions", "A .jsonl file, one question a line: {\"question\": ..., \"options\": [...], \"answer\": \"A\", \"group\": ...}.", TypeHint = "path")]
    public string? Questions { get; init; }

    /// <summary>The questions; throws naming --questions when none is given (the file's own problems are <see cref="CotQuestionFile.Read"/>'s).</summary>
    public IReadOnlyList<CotQuestion> Read()
    {
        if (string.IsNullOrWhiteSpace(Questions))
            throw new ArgumentException("--questions is required: a .jsonl file with one question a line, " +
                                        "{\"question\": \"...\", \"options\": [\"...\", \"...\"], \"answer\": \"A\"}.");
        return CotQuestionFile.Read(Questions);
    }
}
