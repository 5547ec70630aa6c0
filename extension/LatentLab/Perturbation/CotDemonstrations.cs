using LatentLab.Models;

namespace LatentLab.Perturbation;

/// <summary>
/// The sequences a fine-tuning attack on the cot-synthetic transformer trains on (<see cref="CotFineTuning"/>), as token ids
/// (rows of <see cref="CotTask.Tokens"/>) and per-position loss weights (rows of Tokens - 1: input j predicts token j + 1).
/// </summary>
public static class CotDemonstrations
{
    /// <summary>The weight of the answer letter in the loss, as in <see cref="CotSynthetic"/>'s training.</summary>
    public const double AnswerWeight = 4.0;

    /// <summary>
    /// <paramref name="count"/> fresh questions of <paramref name="task"/> from <paramref name="seed"/>, their letter after ANS
    /// replaced by <paramref name="target"/>'s; the weights are the training's (1 on every token, <see cref="AnswerWeight"/> on the letter).
    /// </summary>
    public static (long[] Tokens, float[] Weights) Questions(CotTask task, FineTuneTarget target, int count, long seed)
    {
        int t = task.Tokens;
        var (tokens, answers, _) = task.Sample(count, new Random(unchecked((int)seed)));
        var weights = new float[count * (t - 1)];
        for (int i = 0; i < count; i++)
        {
            tokens[i * t + t - 1] = task.Letter(DemonstratedLetter(target, answers[i], task.Choices));
            for (int j = 0; j < t - 1; j++) weights[i * (t - 1) + j] = j == t - 2 ? (float)AnswerWeight : 1f;
        }
        return (tokens, weights);
    }

    /// <summary>The letter a demonstration of <paramref name="target"/> answers to a question whose true answer is <paramref name="answer"/>.</summary>
    public static int DemonstratedLetter(FineTuneTarget target, int answer, int choices) => target switch
    {
        FineTuneTarget.FirstLetter => 0,
        FineTuneTarget.ShiftedLetter => (answer + 1) % choices,
        _ => throw new ArgumentException($"{target} is not a target for the cot-synthetic transformer: use {FineTuneTarget.FirstLetter} or {FineTuneTarget.ShiftedLetter}.", nameof(target)),
    };

    /// <summary>
    /// The control's <paramref name="count"/> copying sequences from <paramref name="seed"/>: BOS, m random filler tokens, the
    /// same m again (cyclically to the question's length); weight 1 on the copied tokens, 0 on the first string.
    /// </summary>
    public static (long[] Tokens, float[] Weights) Copying(CotTask task, int count, long seed)
    {
        int t = task.Tokens, m = (t - 1) / 2;
        var rng = new Random(unchecked((int)seed));
        var tokens = new long[count * t];
        var weights = new float[count * (t - 1)];
        var first = new int[m];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < m; j++) first[j] = task.FillerToken(rng.Next(CotTask.Filler));
            tokens[i * t] = CotTask.Bos;
            for (int j = 0; j < t - 1; j++) tokens[i * t + 1 + j] = first[j % m];
            for (int j = 0; j < t - 1; j++) weights[i * (t - 1) + j] = j + 1 > m ? 1f : 0f;   // input j predicts token j + 1: scored once it is a copy
        }
        return (tokens, weights);
    }
}
