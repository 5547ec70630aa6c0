namespace LatentLab.LanguageModels;

/// <summary>One multiple-choice question of a <c>.jsonl</c> question file (<see cref="CotQuestionFile"/>).</summary>
/// <param name="Line">Line number in the file (1-based), for messages.</param>
/// <param name="Question">The question text.</param>
/// <param name="Options">The answer options, lettered A, B, ... in this order.</param>
/// <param name="Gold">Index of the correct option (0 = A).</param>
/// <param name="Group">Optional group id (e.g. paraphrases of one question): probe folds never split a group.</param>
public sealed record CotQuestion(int Line, string Question, IReadOnlyList<string> Options, int Gold, string? Group)
{
    /// <summary>The letter of option <paramref name="index"/>: 0 -> A.</summary>
    public static string Letter(int index) => ((char)('A' + index)).ToString();
}
