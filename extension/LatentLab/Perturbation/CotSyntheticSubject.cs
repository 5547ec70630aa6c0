using LatentLab.Models;
using LatentLab.Probes;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// The cot-synthetic transformer (<see cref="CotSyntheticResult"/>) as a perturbation subject: does the readable belief
/// survive longer than the answer? On a fixed set of fresh questions (drawn once from <c>evalSeed</c>, split in three
/// thirds: fit, select, score), three metrics, all against the TRUE answer (a label the perturbation cannot move), chance
/// 1 / choices for each:
/// <list type="bullet">
/// <item><c>answer_accuracy</c> (the capability): the model's own letter at ANS, on every question.</item>
/// <item><c>probe_accuracy_refit</c>: a linear probe refitted on each perturbed copy's own activations at the best cell
/// (fit third), scored on the score third. It asks whether the belief is still linearly decodable at all in the perturbed
/// network, wherever the noise moved it: the measure that answers "does the readable belief survive longer than the
/// answer?" (an upper bound on what a reader could get).</item>
/// <item><c>probe_accuracy_fixed</c>: the probe fitted once on the clean activations, applied unchanged to the perturbed
/// ones (score third). It asks whether the belief is still where the clean network kept it: noise that moves the
/// representation without destroying it lowers this one and not the refit one (a lower bound).</item>
/// </list>
/// The best cell (layer, position) is the one whose clean probe, fitted on the fit third, scores best on the select third
/// (so the score third, behind every reported number, played no part in choosing it). Probes are L2 logistic regressions
/// (C = 1) on features standardised with the fit third's statistics, solved by <see cref="BatchedLogisticRegression"/>:
/// the K refits of a grid point are one batched problem.
/// K perturbed copies are evaluated together as one stacked forward pass (<see cref="TinyTransformer.ForwardStacked"/>),
/// in chunks of <see cref="CopiesPerChunk"/> copies and 256 questions. Hookable layers: the residual stream after the
/// embedding (0) and after each block (1..Blocks).
/// Fine-tuning attacks (<see cref="FineTuneAttack"/>, <see cref="CotFineTuning"/>): fresh questions answered with the letter A
/// (<see cref="FineTuneTarget.FirstLetter"/>, the default) or with the letter after the true one (<see cref="FineTuneTarget.ShiftedLetter"/>:
/// always wrong), in the model's own training loss; the control is an unrelated task (copying filler strings). Both move
/// answer_accuracy, towards the demonstrated answers' own accuracy on the evaluation questions; the probes still read the true
/// answer, so the curves say whether the belief outlasts the answer under fine-tuning too.
/// </summary>
public sealed class CotSyntheticSubject : IFineTuneSubject, IDisposable
{
    /// <summary>The model's letter at ANS equals the true answer (every evaluation question).</summary>
    public const string AnswerAccuracy = "answer_accuracy";
    /// <summary>Probe refitted on the perturbed copy's activations (fit third), scored on the score third.</summary>
    public const string ProbeRefit = "probe_accuracy_refit";
    /// <summary>Probe fitted once on the clean activations, scored on the perturbed copy's activations (score third).</summary>
    public const string ProbeFixed = "probe_accuracy_fixed";

    const int QuestionChunk = 256;
    const double Lambda = 1.0;        // C = 1, as scikit-learn's default
    const int MaxIterations = 200;
    const double Tolerance = 1e-4;

    readonly TinyTransformer _model;
    readonly CotTask _task;
    readonly double _trainingRate;    // the peak learning rate the model was trained at
    readonly Tensor _idx;             // (N, P) tokens BOS .. ANS
    readonly Tensor _answers;         // (N) long, true answers
    readonly Tensor _fit, _select, _score;   // index tensors (long) into N
    readonly int _choices;
    readonly Tensor _probeMean, _probeSd, _probeTheta;   // clean probe at the best cell: (1, 1, C), (1, 1, C), (1, C+1, 1, Kc)

    /// <param name="name">Name in tables and charts.</param>
    /// <param name="result">The trained model (not changed).</param>
    /// <param name="questions">Fresh evaluation questions (at least 30, split in thirds).</param>
    /// <param name="evalSeed">Seed of the evaluation questions and of the split.</param>
    /// <param name="layer">Layer of the probe cell (0 = embedding); with <paramref name="position"/> both -1 (the default), the best cell is chosen.</param>
    /// <param name="position">Position of the probe cell (0 = BOS, ChainLength + 1 = ANS).</param>
    public CotSyntheticSubject(string name, CotSyntheticResult result, int questions = 768, long evalSeed = 9090, int layer = -1, int position = -1)
        : this(name, (result ?? throw new ArgumentNullException(nameof(result))).Model, result.Task, result.Options, questions, evalSeed, layer, position)
    {
    }

    /// <summary>A model loaded from a checkpoint (<see cref="CotCheckpoint.Load"/>): the same subject as the trained result's.</summary>
    /// <param name="name">Name in tables and charts.</param>
    /// <param name="checkpoint">The loaded model (not changed; the caller disposes it).</param>
    public CotSyntheticSubject(string name, CotCheckpoint.Loaded checkpoint, int questions = 768, long evalSeed = 9090, int layer = -1, int position = -1)
        : this(name, (checkpoint ?? throw new ArgumentNullException(nameof(checkpoint))).Model, new CotTask(checkpoint.Options), checkpoint.Options,
            questions, evalSeed, layer, position)
    {
    }

    CotSyntheticSubject(string name, TinyTransformer model, CotTask task, CotSyntheticOptions? options, int questions, long evalSeed, int layer, int position)
    {
        if (questions < 30) throw new ArgumentException($"questions = {questions}: use at least 30 (they are split in thirds: fit, select, score).", nameof(questions));
        _model = model;
        _task = task;
        _trainingRate = (options ?? new CotSyntheticOptions()).LearningRate;
        _choices = _task.Choices;
        int positions = _task.Tokens - 1, layers = _model.BlockCount + 1;
        if ((layer < 0) != (position < 0))
            throw new ArgumentException($"layer {layer}, position {position}: give both (a cell) or neither (the best cell is chosen).");
        if (layer >= layers) throw new ArgumentException($"layer {layer}: the model has layers 0..{layers - 1} (0 = embedding).", nameof(layer));
        if (position >= positions) throw new ArgumentException($"position {position}: the questions have positions 0..{positions - 1} (0 = BOS).", nameof(position));
        Name = name;
        Device = _model.parameters().First().device;
        var order = _model.StackOrder();
        int total = _model.parameters().Count();
        if (order.Count != total)
            throw new InvalidOperationException($"the transformer has {total} parameter tensors but its stack order lists {order.Count}.");
        Parameters = order.Select(p =>
        {
            int l = p.Name.StartsWith("block", StringComparison.Ordinal) ? int.Parse(p.Name[5..p.Name.IndexOf('.')]) + 1
                : p.Name is "tokens" or "position" ? 0 : _model.BlockCount + 1;
            return new SubjectParameter(p.Name, p.Value.detach().DetachFromDisposeScope(), l, p.Name.EndsWith(".bias", StringComparison.Ordinal), p.Name == "head");
        }).ToArray();

        var (tokens, answers, _) = _task.Sample(questions, new Random(unchecked((int)evalSeed)));
        int t = _task.Tokens;
        _idx = tensor(tokens, [questions, t], device: Device)[TensorIndex.Colon, TensorIndex.Slice(0, positions)].contiguous();
        _answers = tensor(answers.Select(a => (long)a).ToArray(), device: Device);
        var perm = Enumerable.Range(0, questions).ToArray();
        new Random(unchecked((int)evalSeed) + 1).Shuffle(perm);
        int third = questions / 3;
        _fit = tensor(perm[..third].Order().Select(i => (long)i).ToArray(), device: Device);
        _select = tensor(perm[third..(2 * third)].Order().Select(i => (long)i).ToArray(), device: Device);
        _score = tensor(perm[(2 * third)..].Order().Select(i => (long)i).ToArray(), device: Device);
        _idx.DetachFromDisposeScope(); _answers.DetachFromDisposeScope();
        _fit.DetachFromDisposeScope(); _select.DetachFromDisposeScope(); _score.DetachFromDisposeScope();

        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var stacks = Parameters.Select(p => p.Value.unsqueeze(0)).ToArray();
            var (_, residuals) = Forward(stacks, null, keepAll: true);              // (1, N, L, P, C)
            var all = residuals.squeeze(0);                                      // (N, L, P, C)
            if (layer < 0)
            {
                long c = all.shape[3];
                var cells = all.permute(1, 2, 0, 3).reshape(layers * positions, questions, c);   // (L*P, N, C)
                var (mean, sd, theta) = FitProbes(cells);
                var acc = Accuracy(Predict(cells, mean, sd, theta), _select);    // (L*P)
                int best = (int)acc.argmax().item<long>();
                layer = best / positions;
                position = best % positions;
            }
            BestLayer = layer;
            BestPosition = position;
            var x = all[TensorIndex.Colon, layer, position].unsqueeze(0);          // (1, N, C)
            var fitted = FitProbes(x);
            _probeMean = fitted.Mean.DetachFromDisposeScope();
            _probeSd = fitted.Sd.DetachFromDisposeScope();
            _probeTheta = fitted.Theta.DetachFromDisposeScope();
        }
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<SubjectParameter> Parameters { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> InputNames => [];

    /// <inheritdoc />
    public IReadOnlyList<string> Metrics { get; } = [AnswerAccuracy, ProbeRefit, ProbeFixed];

    /// <inheritdoc />
    public string CapabilityMetric => AnswerAccuracy;

    /// <inheritdoc />
    public IReadOnlyList<double> Chance => [1.0 / _choices, 1.0 / _choices, 1.0 / _choices];

    /// <inheritdoc />
    public int ActivationLayers => _model.BlockCount + 1;

    /// <inheritdoc />
    public Device Device { get; }

    /// <summary>Layer of the probe cell (0 = embedding).</summary>
    public int BestLayer { get; }

    /// <summary>Position of the probe cell (0 = BOS).</summary>
    public int BestPosition { get; }

    /// <summary>Questions in each third (fit, select, score).</summary>
    public (int Fit, int Select, int Score) SplitSizes => ((int)_fit.shape[0], (int)_select.shape[0], (int)_score.shape[0]);

    /// <summary>Perturbed copies per stacked forward pass (results do not depend on it).</summary>
    public int CopiesPerChunk { get; set; } = 8;

    /// <inheritdoc />
    public double[,] Evaluate(IReadOnlyList<Tensor> parameters)
    {
        if (parameters.Count != Parameters.Count)
            throw new ArgumentException($"{parameters.Count} tensors for a transformer with {Parameters.Count} parameters: give one stack per parameter (StackOrder).");
        long k = parameters[0].shape[0];
        var result = new double[k, Metrics.Count];
        for (long start = 0; start < k; start += CopiesPerChunk)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(CopiesPerChunk, k - start);
            Score(parameters.Select(p => p.narrow(0, start, len)).ToArray(), null, result, start);
        }
        return result;
    }

    /// <inheritdoc />
    public double[,] EvaluateWithHook(int copies, Func<int, Tensor, Tensor> hook)
    {
        if (copies < 1) throw new ArgumentException($"copies = {copies}: evaluate at least one copy.", nameof(copies));
        var result = new double[copies, Metrics.Count];
        for (int start = 0; start < copies; start += CopiesPerChunk)
        {
            using var scope = NewDisposeScope();
            int len = Math.Min(CopiesPerChunk, copies - start);
            Score(Parameters.Select(p => p.Value.unsqueeze(0).expand([len, .. p.Shape])).ToArray(), hook, result, start);
        }
        return result;
    }

    void Score(Tensor[] stacks, Func<int, Tensor, Tensor>? hook, double[,] result, long row)
    {
        using var noGrad = no_grad();
        var (letters, residuals) = Forward(stacks, hook, keepAll: false);          // (K, N, choices), (K, N, C)
        long k = letters.shape[0];
        var answer = letters.argmax(-1).eq(_answers.unsqueeze(0)).to(float64).mean([1]);               // (K)
        var fixedAcc = Accuracy(Predict(residuals, _probeMean, _probeSd, _probeTheta), _score);         // (K)
        var (mean, sd, theta) = FitProbes(residuals);
        var refit = Accuracy(Predict(residuals, mean, sd, theta), _score);                              // (K)
        var table = stack([answer, refit, fixedAcc], 1).cpu().data<double>().ToArray();               // (K, 3)
        for (int i = 0; i < k; i++)
            for (int j = 0; j < 3; j++) result[row + i, j] = table[i * 3 + j];
    }

    /// <summary>
    /// Stacked forward over every evaluation question in chunks: the letter logits at ANS (K, N, choices) and the residual at
    /// the best cell (K, N, C), or (keepAll) every residual (K, N, L, P, C).
    /// </summary>
    (Tensor Letters, Tensor Residuals) Forward(Tensor[] stacks, Func<int, Tensor, Tensor>? hook, bool keepAll)
    {
        long n = _idx.shape[0];
        var letters = new List<Tensor>();
        var cells = new List<Tensor>();
        int a = _task.Letter(0), p = (int)_idx.shape[1];
        for (long s = 0; s < n; s += QuestionChunk)
        {
            var idx = _idx.narrow(0, s, Math.Min(QuestionChunk, n - s));
            var (logits, residuals) = _model.ForwardStacked(idx, stacks, hook);  // (K, b, P, V), L x (K, b, P, C)
            letters.Add(logits[TensorIndex.Colon, TensorIndex.Colon, p - 1, TensorIndex.Slice(a, a + _choices)]);
            cells.Add(keepAll ? stack(residuals, 2) : residuals[BestLayer][TensorIndex.Colon, TensorIndex.Colon, BestPosition]);
        }
        return (cat(letters, 1), cat(cells, 1));
    }

    /// <summary>One probe per column of x (P, N, C), fitted on the fit third against the true answers.</summary>
    (Tensor Mean, Tensor Sd, Tensor Theta) FitProbes(Tensor x)
    {
        long cols = x.shape[0], n = x.shape[1], c = x.shape[2];
        var xf = x.index_select(1, _fit);                                         // (P, F, C)
        var mean = xf.mean([1], keepdim: true);                                   // (P, 1, C)
        var sd = xf.std(1, keepdim: true).clamp_min(1e-6);                        // (P, 1, C)
        var design = Design(x, mean, sd);                                         // (P, N, C+1)
        var weights = zeros([cols, n, 1], float32, x.device);
        weights.index_fill_(1, _fit, 1.0);
        var labels = _answers.unsqueeze(1);                                       // (N, 1)
        var penalty = cat([ones([cols, c, 1], float32, x.device), zeros([cols, 1, 1], float32, x.device)], 1); // (P, C+1, 1)
        var fit = BatchedLogisticRegression.Solve(design, weights, labels, penalty, _choices, Lambda, MaxIterations, Tolerance, CancellationToken.None);
        return (mean, sd, fit.Theta);
    }

    static Tensor Design(Tensor x, Tensor mean, Tensor sd) =>
        cat([(x - mean) / sd, ones([x.shape[0], x.shape[1], 1], float32, x.device)], 2);

    /// <summary>Predicted classes (P, N) of probes (P, C+1, 1, Kc) on x (P, N, C).</summary>
    Tensor Predict(Tensor x, Tensor mean, Tensor sd, Tensor theta)
    {
        var z = Design(x, mean, sd).matmul(theta.squeeze(2));                        // (P, N, Kc)
        return _choices == 2 ? z.squeeze(-1).gt(0).to(int64) : z.argmax(-1);
    }

    /// <inheritdoc />
    public string Kind => "the cot-synthetic transformer";

    /// <inheritdoc />
    public IReadOnlyList<FineTuneTarget> Targets { get; } = [FineTuneTarget.FirstLetter, FineTuneTarget.ShiftedLetter];

    /// <inheritdoc />
    /// <remarks>
    /// The rate the model's training ended on: a tenth of its <see cref="CotSyntheticOptions.LearningRate"/>, where the linear
    /// decay stops (3e-4 for the defaults, 5e-4 for <see cref="CotSyntheticOptions.Tiny"/>).
    /// </remarks>
    public double DefaultLearningRate => 0.1 * _trainingRate;

    /// <inheritdoc />
    public string ControlDescription => "copying random filler strings, an unrelated task";

    /// <inheritdoc />
    /// <remarks>
    /// answer_accuracy, towards the demonstrated answers' own accuracy on every evaluation question: the share whose true answer is
    /// A for <see cref="FineTuneTarget.FirstLetter"/> (about 1 / choices), 0 for <see cref="FineTuneTarget.ShiftedLetter"/>.
    /// </remarks>
    public (string Metric, double Level) Goal(FineTuneTarget target)
    {
        if (!Targets.Contains(target)) throw NotATarget(target);
        var answers = _answers.cpu().data<long>().ToArray();
        return (AnswerAccuracy, answers.Count(a => CotDemonstrations.DemonstratedLetter(target, (int)a, _choices) == a) / (double)answers.Length);
    }

    /// <inheritdoc />
    public IFineTuneCopies FineTune(FineTuneTarget? target, FineTuneAttackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (target is { } t && !Targets.Contains(t)) throw NotATarget(t);
        return new CotFineTuning(_model, _task, Parameters, target, options, options.LearningRate ?? DefaultLearningRate, target is null ? 1 : 0, Device);
    }

    ArgumentException NotATarget(FineTuneTarget target) =>
        new($"{target} is not a target for {Kind}: use {string.Join(" or ", Targets)}.", nameof(target));

    /// <summary>Releases the evaluation set and the clean probe (not the model).</summary>
    public void Dispose()
    {
        foreach (var t in new[] { _idx, _answers, _fit, _select, _score, _probeMean, _probeSd, _probeTheta }) t.Dispose();
        foreach (var p in Parameters) p.Value.Dispose();
    }

    /// <summary>Accuracy (P) of predictions (P, N) on the questions <paramref name="subset"/> against the true answers.</summary>
    Tensor Accuracy(Tensor predictions, Tensor subset) =>
        predictions.index_select(1, subset).eq(_answers.index_select(0, subset).unsqueeze(0)).to(float64).mean([1]);
}
