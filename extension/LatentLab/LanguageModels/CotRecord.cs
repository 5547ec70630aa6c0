namespace LatentLab.LanguageModels;

/// <summary>One recorded question: a line of the recording folder's records.jsonl.</summary>
/// <param name="Index">Index of the question in the question file (0-based, blank lines not counted).</param>
/// <param name="Line">Its line in the file.</param>
/// <param name="Question">The question text (checked on resume: the folder must belong to the same file).</param>
/// <param name="Group">Its group id, or null.</param>
/// <param name="Gold">The correct option (0 = A).</param>
/// <param name="Stated">The option the chain states as its final answer, or null.</param>
/// <param name="Label">The answer the activation set uses: <paramref name="Stated"/>, or the most likely letter at the last token (--unanswered last-letter), or null (skipped).</param>
/// <param name="Row">Row of this question in activations.npy, or null when it is not in the set.</param>
/// <param name="Length">Generated tokens (positions recorded).</param>
/// <param name="Stop">Why generation stopped.</param>
/// <param name="Text">The generated chain.</param>
/// <param name="TokenTexts">The chain's tokens, each decoded on its own (special tokens written out).</param>
/// <param name="LetterLogProbs">Per position, the log-probability of each answer letter as the next token (Length x options).</param>
public sealed record CotRecord(int Index, int Line, string Question, string? Group, int Gold, int? Stated, int? Label, int? Row, int Length,
    string Stop, string Text, string[] TokenTexts, float[][] LetterLogProbs)
{
    /// <summary>Did the labelled answer match the gold one (false when there is no label).</summary>
    public bool Correct => Label == Gold;
}
