using LatentLab.Reports;

namespace LatentLab.LanguageModels;

/// <summary>Progress of <see cref="CotRecorder.Record"/>.</summary>
/// <param name="Done">Questions recorded (resumed ones included).</param>
/// <param name="Total">Questions to record.</param>
/// <param name="Resumed">Questions found done in the folder at the start.</param>
/// <param name="Unstated">Chains so far that stated no answer.</param>
/// <param name="Correct">Labelled answers so far that match the gold one.</param>
/// <param name="TokensPerSecond">Generated tokens per second in this run.</param>
/// <param name="Elapsed">Time since this run started.</param>
public sealed record CotRecorderProgress(int Done, int Total, int Resumed, int Unstated, int Correct, double TokensPerSecond, TimeSpan Elapsed)
{
    /// <summary>The live panel's record: questions done, tokens/s, ETA from this run's pace (resumed questions left out of it).</summary>
    public RunProgress ToRunProgress() => new("Recording chains of thought", Done - Resumed, Total - Resumed, Elapsed)
    {
        Unit = "questions",
        Scalars = [new RunScalar("tokens/s", TokensPerSecond)],
        Message = $"{Done}/{Total} questions ({Resumed} resumed), {TokensPerSecond:F1} tokens/s, {Unstated} without a stated answer, {Correct} correct",
    };
}
