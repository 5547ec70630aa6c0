using System.Globalization;
using System.Reflection;
using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.LanguageModels;
using LatentLab.Models;
using LatentLab.Options;
using LatentLab.Probes;
using LatentLab.Reinforcement;

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
                "--batch", o.Batch, "--width, --layers or --chain-length") { LargestBytes = training, Knobs = CotKnobs(o) };
        return new MemoryEstimate(total,
            $"the recorded activations (--questions {o.Questions} x {layers:0} layers x {p:0} positions x --width {o.Width}, float32, held twice while they are assembled)",
            "--questions", o.Questions, "--width, --layers or --chain-length")
        { LargestBytes = recorded, Knobs = CotKnobs(o) };
    }

    static MemoryKnob[] CotKnobs(CotSyntheticOptions o) =>
    [
        Knob(o, nameof(o.Questions), v => CotSynthetic(o with { Questions = v }).Bytes),
        Knob(o, nameof(o.Batch), v => CotSynthetic(o with { Batch = v }).Bytes),
        Knob(o, nameof(o.Width), v => CotSynthetic(o with { Width = v }).Bytes) with { Step = o.Heads },   // a multiple of --heads
        Knob(o, nameof(o.Layers), v => CotSynthetic(o with { Layers = v }).Bytes),
        Knob(o, nameof(o.ChainLength), v => CotSynthetic(o with { ChainLength = v }).Bytes),
    ];

    /// <summary>
    /// <c>#!bandit-train</c>: per gradient step the reward tape (B, K, T), the recorded rollout (actions, rewards, labels and
    /// UCB1 indices, (B, T, K)), the encoded inputs and the LSTM's saved activations of one gradient chunk
    /// (at least one episode, else ~16k sequence steps; layers x 8H per step, and their gradients), one such chunk per training
    /// thread (the gradient step's parts run at once), and weights with Adam's state (and each part's gradient).
    /// </summary>
    public static MemoryEstimate BanditTraining(BanditTrainingOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        bool perArm = o.Architecture == StudentArchitecture.PerArm;
        double b = o.Batch, k = perArm ? Math.Max(o.Arms, o.TrainArmsHigh) : o.Arms, t = o.TrainHorizon, h = o.Hidden, l = o.Layers, hh = o.HeadHidden;
        double input = perArm ? (o.InverseTimeInput ? 3 : 2) : k + 1 + (o.TimeInput ? 1 : 0);
        double sequences = perArm ? b * k : b;
        double tape = b * k * t * F32;
        double recorded = b * t * (I64 + F32) + b * t * k * F32 * (o.UsesIndexLoss ? 2 : 1) + b * t * k * input * F32;
        double rowsPerEpisode = t * (perArm ? k : 1);
        // At N threads the gradient step runs N parts of the batch at once (BanditTrainer.GradientStep): N chunks live.
        double parts = Math.Min(Math.Max(1, o.Threads > 0 ? o.Threads : BanditTrainingOptions.DefaultThreads), b);
        double chunkRows = Math.Min(Math.Ceiling(b / parts) * rowsPerEpisode, Math.Max(BanditTrainer.MaxGradientRows, rowsPerEpisode));
        double chunk = parts * chunkRows * (l * 8 * h + hh + input + 4) * F32 * 2;
        double rollout = sequences * (l * 8 * h + hh + 8) * F32;
        double parameters = l * 4 * h * (input + h + 2) + h * (hh + k) + hh * k;
        double weights = parameters * F32 * (4 + (o.AverageDecay > 0 ? 1 : 0) + (parts > 1 ? parts : 0));   // + each part's gradient
        double total = tape + recorded + chunk + rollout + weights;
        double perBatch = tape + recorded + rollout;
        bool batchDominates = perBatch >= chunk + weights;
        return batchDominates
            ? new MemoryEstimate(total,
                $"the rollout of each step (--batch {o.Batch} x --train-horizon {o.TrainHorizon} x --arms {o.Arms}: reward tape, actions, labels and inputs)",
                "--batch", o.Batch, "--train-horizon or --arms") { LargestBytes = perBatch, Knobs = BanditKnobs(o, "--batch") }
            : new MemoryEstimate(total,
                $"the LSTM (--hidden {o.Hidden} x --layers {o.Layers}: its weights with Adam's state and the activations of {parts:0} gradient chunk(s) of {chunkRows:0} sequence steps at once)",
                "--hidden", o.Hidden, "--layers or --head-hidden") { LargestBytes = chunk + weights, Knobs = BanditKnobs(o, "--hidden") };
    }

    static MemoryKnob[] BanditKnobs(BanditTrainingOptions o, string first)
    {
        MemoryKnob[] all =
        [
            Knob(o, nameof(o.Batch), v => BanditTraining(o with { Batch = v }).Bytes),
            Knob(o, nameof(o.Hidden), v => BanditTraining(o with { Hidden = v }).Bytes),
            Knob(o, nameof(o.TrainHorizon), v => BanditTraining(o with { TrainHorizon = v }).Bytes),
            Knob(o, nameof(o.Layers), v => BanditTraining(o with { Layers = v }).Bytes),
            Knob(o, nameof(o.HeadHidden), v => BanditTraining(o with { HeadHidden = v }).Bytes),
        ];
        return [.. all.OrderBy(k => k.Option == first ? 0 : 1)];
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
            "--episodes", o.Episodes, "--horizon")
        {
            Knobs =
            [
                Knob(o, nameof(o.Episodes), v => BanditEvaluation(o with { Episodes = v }, arms, studentStateFloatsPerSequence).Bytes),
                Knob(o, nameof(o.Horizon), v => BanditEvaluation(o with { Horizon = v }, arms, studentStateFloatsPerSequence).Bytes),
            ],
        };
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
                "--positions or --bins (fewer columns)", columns, "leave out --preconditioner")
            { LargestBytes = preconditioner, Knobs = [ProbeColumns(o, questions, dim, columns, classes, layers)] }
            : new MemoryEstimate(total,
                $"one layer's features ({columns} columns x {questions} questions x {dim + 1} dimensions, float32, with their standardised copy and gradient products)",
                "--positions or --bins (fewer columns)", columns, "give fewer questions (a smaller activation file)")
            { LargestBytes = features, Knobs = [ProbeColumns(o, questions, dim, columns, classes, layers)] };
    }

    static MemoryKnob ProbeColumns(ProbeSweepOptions o, long questions, int dim, int columns, int classes, int layers) =>
        new("--positions or --bins (fewer columns)", columns, v => ProbeSweep(o, questions, dim, (int)v, classes, layers).Bytes);

    /// <summary>
    /// <c>#!rl-train</c> (PPO or GRPO) on S seeds as one batched network: the rollout of every iteration (S x episodes x 3
    /// decisions: inputs, log-probabilities of the policy and the reference, values, rewards, advantages), the update's
    /// activations kept for the backward pass (a PPO minibatch, or the whole GRPO batch), the exact evaluation over every
    /// decision sequence of 4 x --eval-per-type contexts (policy and reference), and the networks with Adam's state.
    /// A grid runs its <paramref name="gridPoints"/> one after another and keeps each point's trained policy.
    /// </summary>
    public static MemoryEstimate RlTraining(RlRunOptions o, AlignmentEnvironmentOptions environment, PolicyOptions policy, int referenceSeeds, int gridPoints = 1)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(policy);
        var (inputs, actions, k1, sequences) = RlShape(environment);
        double s = o.Seeds, t = AlignmentEnvironment.Decisions, width = policy.Width, depth = policy.Depth;
        double episodes, updateEpisodes, valueWidth;
        string what;
        switch (o)
        {
            case PpoOptions p:
                episodes = p.Episodes; updateEpisodes = Math.Ceiling((double)p.Episodes / Math.Max(1, p.Minibatches)); valueWidth = p.ValueWidth;
                what = $"--seeds {o.Seeds} x --episodes {p.Episodes}";
                break;
            case GrpoOptions g:
                episodes = (double)g.Prompts * g.GroupSize; updateEpisodes = episodes; valueWidth = 0;
                what = $"--seeds {o.Seeds} x --prompts {g.Prompts} x --group-size {g.GroupSize}";
                break;
            default:
                throw new ArgumentException($"No memory estimate for {o.GetType().Name}.", nameof(o));
        }
        var arch = policy.Architecture;
        double activations = width * depth * PerUnit(arch) + actions;                       // per row: each hidden layer's activations, logits
        double valueActivations = valueWidth > 0 ? valueWidth * depth * PerUnit(arch) + 1 : 0;
        double rollout = s * episodes * t * (inputs + activations + 12) * F32;
        double update = s * updateEpisodes * t * (inputs + (activations + valueActivations) * 3) * F32;
        double evalRows = 4.0 * o.EvalPerType * (1 + k1 + k1 * AlignmentEnvironment.Modes);
        double evaluation = (s + referenceSeeds) * evalRows * (inputs + activations) * F32 + (s + referenceSeeds) * 4.0 * o.EvalPerType * sequences * F32 * 4;
        double weightsPerSeed = PolicyParameters(arch, inputs, width, depth, actions) + (valueWidth > 0 ? PolicyParameters(arch, inputs, valueWidth, depth, 1) : 0);
        double weights = s * weightsPerSeed * F32 * 4 + referenceSeeds * PolicyParameters(arch, inputs, width, depth, actions) * F32;
        double kept = Math.Max(0, gridPoints - 1) * (s * PolicyParameters(arch, inputs, width, depth, actions) * F32 + s * 64.0 * F32 * o.Iterations);
        double perIteration = rollout + update;
        double total = perIteration + evaluation + weights + kept;
        string rest = gridPoints > 1 ? $"fewer --grid points ({gridPoints} now, each keeps its trained seeds)" : "--eval-per-type";
        return new MemoryEstimate(total,
            evaluation > perIteration
                ? $"the exact evaluation (--seeds {o.Seeds} x 4 x --eval-per-type {o.EvalPerType} contexts x {sequences} decision sequences, policy --width {policy.Width} x --depth {policy.Depth})"
                : $"the rollout and update of each iteration ({what} x 3 decisions, policy --width {policy.Width} x --depth {policy.Depth})",
            "--seeds", o.Seeds, rest)
        {
            LargestBytes = Math.Max(evaluation, perIteration),
            Knobs = RlKnobs(o, v => RlTraining(v, environment, policy, referenceSeeds, gridPoints).Bytes),
            Also = gridPoints > 1 ? $"use fewer --grid points ({gridPoints} now, each keeps its trained seeds)" : null,
        };
    }

    static MemoryKnob[] RlKnobs(RlRunOptions o, Func<RlRunOptions, double> bytes)
    {
        var knobs = new List<MemoryKnob> { Knob(o, nameof(o.Seeds), v => bytes(o with { Seeds = v })) };
        if (o is PpoOptions p) knobs.Add(Knob(p, nameof(p.Episodes), v => bytes(p with { Episodes = v })) with { Minimum = Math.Max(8, p.Minibatches) });
        if (o is GrpoOptions g)
        {
            knobs.Add(Knob(g, nameof(g.Prompts), v => bytes(g with { Prompts = v })));
            knobs.Add(Knob(g, nameof(g.GroupSize), v => bytes(g with { GroupSize = v })));
        }
        knobs.Add(Knob(o, nameof(o.EvalPerType), v => bytes(o with { EvalPerType = v })));
        return [.. knobs];
    }

    /// <summary>
    /// <c>#!rl-bake</c>: the exact log-probabilities of every decision sequence of 4 x --contexts-per-type contexts for S seeds
    /// (inputs and activations of the three decisions, kept for the backward pass), the target distribution, and the
    /// network with Adam's state.
    /// </summary>
    public static MemoryEstimate RlBake(BakeOptions o, AlignmentEnvironmentOptions environment)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(environment);
        var (inputs, actions, k1, sequences) = RlShape(environment);
        double s = o.Seeds, n = 4.0 * o.ContextsPerType, width = o.Policy.Width, depth = o.Policy.Depth;
        double rows = n * (1 + k1 + k1 * AlignmentEnvironment.Modes);
        double forward = s * rows * (inputs + (width * depth * PerUnit(o.Policy.Architecture) + actions) * 3) * F32;   // kept for backward, with gradients
        double sequenceTables = s * n * sequences * F32 * 4 + n * sequences * F32 * 3;     // log-probs, their grad, the loss; target log-probs and probabilities
        double weights = s * PolicyParameters(o.Policy.Architecture, inputs, width, depth, actions) * F32 * 4;
        return new MemoryEstimate(forward + sequenceTables + weights,
            $"the exact sequence log-probabilities (--seeds {o.Seeds} x 4 x --contexts-per-type {o.ContextsPerType} contexts x {sequences} decision sequences, --width {o.Policy.Width} x --depth {o.Policy.Depth})",
            "--contexts-per-type", o.ContextsPerType)
        {
            LargestBytes = forward + sequenceTables,
            Knobs =
            [
                Knob(o, nameof(o.ContextsPerType), v => RlBake(o with { ContextsPerType = v }, environment).Bytes),
                Knob(o, nameof(o.Seeds), v => RlBake(o with { Seeds = v }, environment).Bytes),
                Knob(o.Policy, nameof(o.Policy.Width), v => RlBake(o with { Policy = o.Policy with { Width = v } }, environment).Bytes),
            ],
        };
    }

    static (double Inputs, double Actions, double K1, double Sequences) RlShape(AlignmentEnvironmentOptions e)
    {
        double k1 = e.MaxConcerns + 1.0;
        double inputs = 2.0 + e.FeatureDim + k1 + AlignmentEnvironment.Modes + AlignmentEnvironment.Decisions;
        return (inputs, Math.Max(k1, Math.Max(AlignmentEnvironment.Modes, e.Classes)), k1, k1 * AlignmentEnvironment.Modes * e.Classes);
    }

    static double MlpParameters(double inputs, double width, double depth, double outputs) =>
        depth <= 0 ? (inputs + 1) * outputs : (inputs + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * outputs;

    /// <summary>Parameters of one seed's policy (or critic) network: an MLP, or a GRU (W_ih, W_hh and two biases of 3H per layer, a linear head).</summary>
    static double PolicyParameters(PolicyArchitecture architecture, double inputs, double width, double depth, double outputs) =>
        architecture == PolicyArchitecture.Gru
            ? (inputs + width + 2) * 3 * width + Math.Max(0, depth - 1) * (2 * width + 2) * 3 * width + (width + 1) * outputs
            : MlpParameters(inputs, width, depth, outputs);

    /// <summary>Floats a hidden unit keeps per row: an MLP's pre- and post-activation; a GRU's gates from the input and the state (3 + 3), r, z, n and h'.</summary>
    static double PerUnit(PolicyArchitecture architecture) => architecture == PolicyArchitecture.Gru ? 10 : 2;

    /// <summary>
    /// <c>#!llm-load</c>: the weights in the compute dtype (<paramref name="parameters"/> from the safetensors headers,
    /// <paramref name="dtypeBytes"/> each), plus the largest single tensor converted on the way (read from the memory-mapped
    /// file, whose pages the system can drop again).
    /// </summary>
    public static MemoryEstimate LlmLoad(double parameters, double largestTensor, double dtypeBytes, string folder)
    {
        double weights = parameters * dtypeBytes;
        return new MemoryEstimate(weights + largestTensor * (4 + dtypeBytes),
            $"the weights ({parameters.ToString("0", CultureInfo.InvariantCulture)} parameters in the safetensors of '{folder}' x {dtypeBytes:0} bytes in the compute dtype)",
            "--dtype", dtypeBytes, dtypeBytes > 2 ? "--dtype bfloat16 (half the bytes of float32), or load a smaller checkpoint" : "load a smaller checkpoint")
        { LargestBytes = weights };
    }

    /// <summary>
    /// <c>#!llm-generate</c> and <c>#!llm-cot</c>, one sequence of <paramref name="promptTokens"/> + <paramref name="newTokens"/>:
    /// the KV cache (layers x kv_heads x head_dim x tokens x 2 (keys and values) x dtype, one layer's copy extra while it
    /// grows), the prompt's pass (every layer's hidden state and output, attention scores heads x prompt^2, the MLP, the
    /// logits of every prompt position, float32) and, for <c>#!llm-cot</c>, the recorded residual stream
    /// (<paramref name="recordedLayers"/> x new tokens x hidden, float32 while a question is generated).
    /// </summary>
    public static MemoryEstimate LlmGeneration(LanguageModelConfig c, double dtypeBytes, double promptTokens, double newTokens, double recordedLayers = 0)
    {
        ArgumentNullException.ThrowIfNull(c);
        double tokens = promptTokens + newTokens, layers = c.Layers, d = c.HiddenSize;
        double kvPerLayer = c.KvHeads * (double)c.HeadDim * tokens * 2 * dtypeBytes;
        double kv = layers * kvPerLayer + kvPerLayer;
        double prefill = promptTokens * ((2 * layers + 2) * d * dtypeBytes                  // hidden states and layer outputs of every layer
                                         + (c.Heads * (double)c.HeadDim * 4 + c.IntermediateSize * 3.0) * dtypeBytes
                                         + c.VocabSize * 4.0 * 2)                            // logits and their log-softmax, float32
                         + c.Heads * promptTokens * promptTokens * dtypeBytes * 2;          // attention scores and their softmax
        double recorded = recordedLayers * newTokens * d * F32;
        double total = kv + prefill + recorded;
        string largest = kv >= Math.Max(prefill, recorded)
            ? $"the KV cache ({c.Layers} layers x {c.KvHeads} kv heads x {c.HeadDim} head dims x {tokens:0} tokens (prompt {promptTokens:0} + --max-new-tokens {newTokens:0}) x keys and values x {dtypeBytes:0} bytes)"
            : prefill >= recorded
                ? $"the prompt's forward pass ({promptTokens:0} prompt tokens: attention scores {c.Heads} heads x {promptTokens:0}^2, logits x vocabulary {c.VocabSize})"
                : $"the recorded activations ({recordedLayers:0} --layers x --max-new-tokens {newTokens:0} x hidden {c.HiddenSize}, float32)";
        return new MemoryEstimate(total, largest, "--max-new-tokens", newTokens,
            recordedLayers > 0 ? "fewer --layers, or a shorter prompt" : "a shorter prompt")
        {
            LargestBytes = Math.Max(kv, Math.Max(prefill, recorded)),
            Knobs = [new MemoryKnob("--max-new-tokens", newTokens, v => LlmGeneration(c, dtypeBytes, promptTokens, v, recordedLayers).Bytes)],
        };
    }

    /// <summary>
    /// <c>#!perturb</c>: the noise draws eps (--seeds copies of every parameter, kept for the whole sweep, so that every
    /// scale reuses them), the perturbed copies of one point with their working copy, and the subject's evaluation of the
    /// copies (<paramref name="evaluationBytesPerCopy"/> each; a policy's exact evaluation, a student's rollout).
    /// <paramref name="subjects"/>: 2 for a paired comparison (run one after the other, each with its own eps).
    /// </summary>
    public static MemoryEstimate Perturbation(Perturbation.PerturbationOptions o, double parameters, double evaluationBytesPerCopy, int subjects = 1)
    {
        ArgumentNullException.ThrowIfNull(o);
        double s = o.Seeds;
        double eps = s * parameters * F32;
        double copies = s * parameters * F32 * 3;                                          // the noisy stacks, their scaled noise, a contiguous copy
        double evaluation = s * evaluationBytesPerCopy;
        double total = eps + copies + evaluation;
        return new MemoryEstimate(total,
            $"the --seeds {o.Seeds} noisy copies of the network ({parameters:0} parameters each: the noise draws, the perturbed weights and their evaluation)",
            "--seeds", o.Seeds, "--kind activations (no weight copies)")
        {
            LargestBytes = total,
            Knobs = [Knob(o, nameof(o.Seeds), v => Perturbation(o with { Seeds = v }, parameters, evaluationBytesPerCopy, subjects).Bytes)],
        };
    }

    /// <summary>A knob of <paramref name="record"/>'s property: its flag and smallest allowed value from its [Knob], its current value.</summary>
    static MemoryKnob Knob<T>(T record, string property, Func<int, double> bytesAt) where T : class
    {
        var p = record.GetType().GetProperty(property) ?? throw new ArgumentException($"{record.GetType().Name} has no property {property}.", nameof(property));
        var a = p.GetCustomAttribute<KnobAttribute>(true);
        double min = a is null || double.IsNaN(a.Min) ? 1 : Math.Max(1, a.ExclusiveMin ? Math.Floor(a.Min) + 1 : Math.Ceiling(a.Min));
        return new MemoryKnob(a?.Flag ?? property, Convert.ToDouble(p.GetValue(record), CultureInfo.InvariantCulture),
            v => bytesAt((int)Math.Clamp(v, 1, int.MaxValue)), min);
    }
}

