using LatentLab.Activations;

namespace LatentLab.Models;

/// <summary>What <see cref="CotSynthetic.RunDetailed"/> produced: the activation set plus facts about the trained model.</summary>
/// <param name="Activations">Residual stream (N, Layers+1, ChainLength+2, Width) over positions BOS, chain, ANS; labels = the model's answers; baseline = answer-letter logits.</param>
/// <param name="Model">The trained transformer (on the device used).</param>
/// <param name="Task">The task (vocabulary, lengths).</param>
/// <param name="TrueAnswers">The correct answer of each recorded question.</param>
/// <param name="DecisionPositions">Position (in the recorded columns: 0 = BOS) of each question's deciding token.</param>
/// <param name="AnswerAccuracy">Share of recorded questions the model answers correctly (its letter at ANS).</param>
/// <param name="FinalLoss">Mean next-token loss over the last training steps.</param>
/// <param name="TrainingTime">Wall time of training.</param>
public sealed record CotSyntheticResult(ActivationSet Activations, TinyTransformer Model, CotTask Task, IReadOnlyList<int> TrueAnswers,
    IReadOnlyList<int> DecisionPositions, double AnswerAccuracy, double FinalLoss, TimeSpan TrainingTime)
{
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ActivationSet, CotSyntheticResult> Recorded = new();

    /// <summary>
    /// The result whose <see cref="Activations"/> is <paramref name="set"/>, while both live (null for a set loaded from a file or
    /// recorded elsewhere): lets a front end that was handed the activation set reach the model that recorded it.
    /// </summary>
    public static CotSyntheticResult? Of(ActivationSet set) => Recorded.TryGetValue(set, out var r) ? r : null;

    /// <summary>Registers this result for <see cref="Of"/>; returns it.</summary>
    public CotSyntheticResult Register()
    {
        Recorded.AddOrUpdate(Activations, this);
        return this;
    }

    /// <summary>True when training was interrupted: the activations are those of the model after <see cref="StepsCompleted"/> steps.</summary>
    public bool IsPartial { get; init; }

    /// <summary>The options the model was trained with (null for a result made elsewhere): e.g. the learning rate a fine-tuning attack starts from.</summary>
    public CotSyntheticOptions? Options { get; init; }

    /// <summary>Training steps done (the options' Steps unless interrupted).</summary>
    public int StepsCompleted { get; init; }

    /// <summary>
    /// How many recorded questions the model answers correctly (its answer, the activation set's label, equals the true
    /// answer): the count behind <see cref="AnswerAccuracy"/>, for its confidence interval.
    /// </summary>
    public int CorrectAnswers => Activations.Labels.Zip(TrueAnswers).Count(x => x.First == x.Second);

    /// <summary>Share of questions whose answer is already decided at each recorded position (the best any reader can do above chance).</summary>
    public double[] DecidedFraction()
    {
        int p = Activations.Positions;
        return Enumerable.Range(0, p).Select(t => DecisionPositions.Count(m => m <= t) / (double)DecisionPositions.Count).ToArray();
    }
}
