using LatentLab.Bandits;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// Evaluates a trained student beside the classic baselines: <see cref="BanditEvaluator"/> with the student as its
/// candidate policy, K and the before/after split defaulting to the student's training K and horizon.
/// </summary>
public static class StudentEvaluator
{
    /// <summary>The student as a candidate for <see cref="BanditEvaluator.Evaluate"/> (a fresh policy per run, its training K and horizon).</summary>
    public static CandidatePolicy Candidate(TrainedStudent student)
    {
        ArgumentNullException.ThrowIfNull(student);
        student.ThrowIfDisposed();
        // The batched cell (StackedStudentPolicy, one copy): StudentPolicy's numbers up to float rounding, fewer ops per step.
        return new CandidatePolicy(() => StackedStudentPolicy.Of(student.Network), student.ToString(), student.Arms, student.TrainHorizon);
    }

    /// <summary>
    /// Runs <paramref name="student"/> and <see cref="BanditEvaluationOptions.Baselines"/> on the same fresh episodes;
    /// throws <see cref="ArgumentException"/> when a Joint student is asked to play another number of arms.
    /// </summary>
    public static BanditEvaluation Evaluate(BanditEvaluationOptions options, TrainedStudent student, Device device,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(student);
        student.ThrowIfDisposed();
        options.Validate();
        // The student's LSTM state (h and c per layer, and its gates) for every episode x arm, beside the evaluator's own tensors.
        MemoryBudget.Ensure(MemoryEstimates.BanditEvaluation(options, options.Arms ?? student.Arms, student.Options.Layers * 8.0 * student.Options.Hidden), device);
        if (options.Arms is { } arms && arms != student.Arms && student.Options.Architecture != StudentArchitecture.PerArm)
            throw new ArgumentException($"The student was trained on {student.Arms} arms but the evaluation asks for {arms}; use --arms {student.Arms}.", nameof(options));
        return BanditEvaluator.Evaluate(options, new[] { Candidate(student) }, device, progress, cancellationToken);
    }
}
