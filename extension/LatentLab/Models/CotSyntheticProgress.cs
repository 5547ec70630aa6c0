namespace LatentLab.Models;

/// <summary>Progress of <see cref="CotSynthetic.Run"/>: training steps, then recording.</summary>
/// <param name="Phase">"train" or "record".</param>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps in all.</param>
/// <param name="Loss">Mean next-token loss over the last steps.</param>
/// <param name="AnswerAccuracy">Share of the last batch answered correctly at the answer position.</param>
/// <param name="Elapsed">Time since the start.</param>
public sealed record CotSyntheticProgress(string Phase, int Step, int Steps, double Loss, double AnswerAccuracy, TimeSpan Elapsed)
{
    public string Message => Phase == "record"
        ? $"recording activations ({Elapsed.TotalSeconds:F1} s)"
        : $"step {Step}/{Steps}: loss {Loss:F3}, answer accuracy {AnswerAccuracy:P0} ({Elapsed.TotalSeconds:F1} s)";
}
