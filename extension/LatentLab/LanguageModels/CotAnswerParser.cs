using System.Text.RegularExpressions;

namespace LatentLab.LanguageModels;

/// <summary>
/// Finds the final answer letter in a chain of thought: the last "Answer: B" / "answer is (B)" / "**Answer:** B" whose
/// letter is one of the options. A chain without one has no answer (null): the recorder counts it, it is not an error.
/// </summary>
public static partial class CotAnswerParser
{
    // "answer" in any case, then an upper-case option letter (so "the answer is a prime" states nothing).
    [GeneratedRegex(@"(?i:answer)(?:\s+is)?\s*[:\-]?\s*[*_]*\s*\(?\s*([A-H])\s*\)?(?![A-Za-z])")]
    private static partial Regex AnswerPattern();

    /// <summary>Index of the stated answer (0 = A), or null when the text states none of the first <paramref name="options"/> letters.</summary>
    public static int? Parse(string text, int options)
    {
        ArgumentNullException.ThrowIfNull(text);
        int? answer = null;
        foreach (Match m in AnswerPattern().Matches(text))
        {
            int letter = char.ToUpperInvariant(m.Groups[1].Value[0]) - 'A';
            if (letter < options) answer = letter;
        }
        return answer;
    }
}
