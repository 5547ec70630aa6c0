using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Probes;

namespace LatentLab.Torch;

/// <summary>
/// How much memory each run needs, from its options alone (checked by <see cref="MemoryBudget"/> before anything is
/// allocated). Each estimate adds the run's big tensors at their peak, in float32 (4 bytes) unless noted; it is meant to
/// be within a small factor, and errs high. Arithmetic is in double: a product of in-range options never overflows.
/// </summary>
public static class MemoryEstimates
{
    const double F32 = 4, I64 = 8;

    /// <summary>
    /// <c>#!cot-synthetic</c>: training (B x T activations per block, attention B x heads x T x T, logits B x T x V, AdamW
    /// state) and the recording, which dominates: (N, L+1, P, C) residuals held twice (chunks, then one tensor) plus the
    /// answer-letter scores (N, P, K).
    /// </summary>
    public static MemoryEstimate CotSynthetic(CotSyntheticOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        double t = o.ChainLength + 3, p = t - 1, layers = o.Layers + 1, c = o.Width, n = o.Questions, b = o.Batch;
        double vocab = 2 + 3 * o.Choices + 16;
        double parameters = 12 * c * c * o.Layers + vocab * c + t * c;
        double training = parameters * F32 * 4                                           // weights, grads, AdamW m and v
                          + b * t * o.Layers * (16 * c + 2 * o.Heads * t) * F32 * 2        // activations kept for backward, and their grads
                          + b * t * vocab * F32 * 3;                                       // logits, softmax, grad
        double recorded = 2 * n * layers * p * c * F32;                                   // (N, L, P, C): chunks, then cat
        double rest = n * p * o.Choices * F32 * 2 + n * t * I64 + 256 * t * o.Layers * 16 * c * F32;
        double total = Math.Max(training, recorded + rest) + parameters * F32 * 4;
        if (training > recorded + rest)
            return new MemoryEstimate(total,
                $"training (--batch {o.Batch} x {t:0} tokens x --layers {o.Layers} x --width {o.Width}: activations kept for the backward pass, attention maps and logits)",
                "--batch", o.Batch, "--width, --layers or --chain-length") { LargestBytes = training };
        return new MemoryEstimate(total,
            $"the recorded activations (--questions {o.Questions} x {layers:0} layers x {p:0} positions x --width {o.Width}, float32, held twice while they are assembled)",
            "--questions", o.Questions, "--width, --layers or --chain-length")
        { LargestBytes = recorded };
    }

    /// <summary>
    /// <c>#!bandit-train</c>: per gradient step the reward tape (B, K, T), the recorded rollout (actions, rewards, labels and
    /// UCB1 indices, (B, T, K)), the encoded inputs and the LSTM's saved activations of one gradient chunk
    /// (at least one episode, else ~16k sequence steps; layers x 8H per step, and their gradients), and weights with Adam's state.
    /// </summary>
    public static MemoryEstimate BanditTraining(BanditTrainingOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        bool perArm = o.Architecture == StudentArchitecture.PerArm;
        double b = o.Batch, k = o.Arms, t = o.TrainHorizon, h = o.Hidden, l = o.Layers, hh = o.HeadHidden;
        double input = perArm ? (o.InverseTimeInput ? 3 : 2) : k + 1 + (o.TimeInput ? 1 : 0);
        double sequences = perArm ? b * k : b;
        double tape = b * k * t * F32;
        double recorded = b * t * (I64 + F32) + b * t * k * F32 * (o.UsesIndexLoss ? 2 : 1) + b * t * k * input * F32;
        double rowsPerEpisode = t * (perArm ? k : 1);
        double chunkRows = Math.Min(b * rowsPerEpisode, Math.Max(BanditTrainer.MaxGradientRows, rowsPerEpisode));
        double chunk = chunkRows * (l * 8 * h + hh + input + 4) * F32 * 2;
        double rollout = sequences * (l * 8 * h + hh + 8) * F32;
        double parameters = l * 4 * h * (input + h + 2) + h * (hh + k) + hh * k;
        double weights = parameters * F32 * (4 + (o.AverageDecay > 0 ? 1 : 0));
        double total = tape + recorded + chunk + rollout + weights;
        double perBatch = tape + recorded + rollout;
        bool batchDominates = perBatch >= chunk + weights;
        return batchDominates
            ? new MemoryEstimate(total,
                $"the rollout of each step (--batch {o.Batch} x --train-horizon {o.TrainHorizon} x --arms {o.Arms}: reward tape, actions, labels and inputs)",
                "--batch", o.Batch, "--train-horizon or --arms") { LargestBytes = perBatch }
            : new MemoryEstimate(total,
                $"the LSTM (--hidden {o.Hidden} x --layers {o.Layers}: its weights with Adam's state and the activations of one gradient chunk of {chunkRows:0} sequence steps)",
                "--hidden", o.Hidden, "--layers or --head-hidden") { LargestBytes = chunk + weights };
    }

    /// <summary>
    /// <c>#!bandit-eval</c>: the shared reward tape (E, K, T) and, per policy in turn, its trace (regret, actions and agreement,
    /// (T, E)) with its cumulative regret; the candidate's and UCB1's cumulative regret are kept for the paired difference;
    /// a student's LSTM state (E x K sequences, <paramref name="studentStateFloatsPerSequence"/> floats each).
    /// </summary>
    public static MemoryEstimate BanditEvaluation(BanditEvaluationOptions o, int arms, double studentStateFloatsPerSequence = 0)
    {
        ArgumentNullException.ThrowIfNull(o);
        double e = o.Episodes, t = o.Horizon, k = arms;
        double tape = e * k * t * F32 + e * k * I64 * 3;
        double trace = t * e * (F32 + I64 + 1 + F32 * 2) + e * k * F32 * 6;               // regret, actions, agreement, cumsum, working copies; arm statistics
        double kept = 2 * t * e * F32;
        double student = e * k * studentStateFloatsPerSequence * F32 * 2;
        return new MemoryEstimate(tape + trace + kept + student,
            $"the reward tape and traces (--episodes {o.Episodes} x --horizon {o.Horizon} x {arms} arms)",
            "--episodes", o.Episodes, "--horizon");
    }

    /// <summary>
    /// <c>#!probe-sweep</c> on a set of N questions and width D: one layer's slice (columns, N, D+1) at a time (several when
    /// small layers are batched), standardised and with its gradient products, the fold masks (columns, N, folds x tasks),
    /// L-BFGS state (columns x problems x (D+1) x classes, 10 pairs) and with <c>--preconditioner</c> one (D+1)^2 matrix and its
    /// Cholesky factor per column. <paramref name="columns"/> is the number of position columns probed (positions or bins),
    /// <paramref name="layers"/> the number of layers probed (at most that many are batched together).
    /// </summary>
    public static MemoryEstimate ProbeSweep(ProbeSweepOptions o, long questions, int dim, int columns, int classes, int layers = 1)
    {
        ArgumentNullException.ThrowIfNull(o);
        double n = questions, d = dim + 1.0, pc = Math.Max(1, columns), q = o.Folds * (o.Control ? 2.0 : 1.0), c = Math.Max(2, classes);
        double slice = pc * n * d * F32;
        double perGroup = Math.Clamp(Math.Floor(o.MaxBatchBytes / Math.Max(1, slice)), 1, Math.Max(1, layers));
        double group = Math.Max(slice, Math.Min(perGroup * slice, o.MaxBatchBytes + slice));
        double features = group * 3;                                                       // raw, standardised, X'(...) products
        double masks = pc * n * q * F32 * 3 * (group / slice);
        double lbfgs = (group / slice) * pc * q * d * c * F32 * (2 * 10 + 6);
        double preconditioner = o.Preconditioner ? (group / slice) * pc * d * d * F32 * 3 : 0;
        double total = features + masks + lbfgs + preconditioner;
        return preconditioner > features
            ? new MemoryEstimate(total,
                $"the preconditioner's curvature bounds ({columns} columns x {dim + 1} x {dim + 1}, float32)",
                "--positions or --bins (fewer columns)", columns, "leave out --preconditioner") { LargestBytes = preconditioner }
            : new MemoryEstimate(total,
                $"one layer's features ({columns} columns x {questions} questions x {dim + 1} dimensions, float32, with their standardised copy and gradient products)",
                "--positions or --bins (fewer columns)", columns, "give fewer questions (a smaller activation file)") { LargestBytes = features };
    }
}
