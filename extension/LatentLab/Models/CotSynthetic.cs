using System.Diagnostics;
using LatentLab.Activations;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Models;

/// <summary>
/// Trains a <see cref="TinyTransformer"/> on the <see cref="CotTask"/> with next-token loss over the chain, ANS and the
/// answer letter (fresh questions every step), then records its residual stream at every layer and position, and its
/// answer-letter logits at every position, on held-out questions: a self-contained <see cref="ActivationSet"/> for
/// probe sweeps (the <c>#!cot-synthetic</c> command).
/// </summary>
public static class CotSynthetic
{
    /// <summary>Trains and records; returns the activation set (labels = the model's answers).</summary>
    public static ActivationSet Run(CotSyntheticOptions? options = null, Device? device = null,
        IProgress<CotSyntheticProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunDetailed(options, device, progress, cancellationToken).Activations;

    /// <summary>
    /// Trains and records; returns the activation set with the model and facts about it. Cancelling during training stops
    /// it and records the model as it is (the result says <see cref="CotSyntheticResult.IsPartial"/>); cancelling before
    /// the first step throws OperationCanceledException.
    /// </summary>
    public static CotSyntheticResult RunDetailed(CotSyntheticOptions? options = null, Device? device = null,
        IProgress<CotSyntheticProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        TorchRuntime.EnsureInitialized();
        var o = options ?? new CotSyntheticOptions();
        o.Validate();
        MemoryBudget.Ensure(MemoryEstimates.CotSynthetic(o), device);       // refuse before allocating what the machine cannot hold
        device ??= CPU;
        using var threads = TorchRuntime.UseThreads(o.Threads, cancellationToken);
        return Train(o, device, progress, cancellationToken);
    }

    static CotSyntheticResult Train(CotSyntheticOptions o, Device device, IProgress<CotSyntheticProgress>? progress, CancellationToken cancellationToken)
    {
        var task = new CotTask(o);
        var clock = Stopwatch.StartNew();
        var rng = new Random(o.Seed);
        var model = TorchRuntime.WithGlobalGenerator(o.Seed, () => new TinyTransformer(task.Vocab, task.Tokens, o.Width, o.Layers, o.Heads, device));
        var optimizer = optim.AdamW(model.parameters(), o.LearningRate, weight_decay: 0.01);
        int t = task.Tokens;
        double lossAvg = double.NaN, accLast = 0;
        int done = 0;
        model.train();
        // The training loop frees and re-allocates the same activation and gradient blocks every step, which with glibc's
        // defaults are mmap'ed and faulted in again each time (see NativeAllocator). Only the loop: recording keeps its
        // tensors, and runs with the defaults again.
        using (NativeAllocator.KeepPagesMapped())
        {
            for (int step = 1; step <= o.Steps; step++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    if (done == 0) cancellationToken.ThrowIfCancellationRequested();
                    break;                                                                  // keep what was trained: record it below
                }
                using var scope = NewDisposeScope();
                var (tokens, answers, _) = task.Sample(o.Batch, rng);
                var idx = tensor(tokens, [o.Batch, t], device: device);                     // (B, T)
                var input = idx[TensorIndex.Colon, TensorIndex.Slice(0, t - 1)];            // (B, T-1)
                var target = idx[TensorIndex.Colon, TensorIndex.Slice(1, t)];               // (B, T-1)
                var logits = model.forward(input);                                          // (B, T-1, V)
                // Next-token loss on every position, with the answer letter weighted up so the answer is learnt early.
                var perToken = nn.functional.cross_entropy(logits.reshape(-1, task.Vocab), target.reshape(-1), reduction: nn.Reduction.None).view(o.Batch, t - 1);
                var weight = ones(t - 1, device: device);
                weight[t - 2] = 4.0f;
                var loss = (perToken * weight).sum() / (weight.sum() * o.Batch);
                optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                double lr = o.LearningRate * Math.Min(1.0, step / 50.0) * (0.1 + 0.9 * (1 - (double)step / o.Steps));
                foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
                optimizer.step();
                double l = loss.item<float>();
                done = step;
                lossAvg = double.IsNaN(lossAvg) ? l : 0.95 * lossAvg + 0.05 * l;
                if (step % 25 == 0 || step == o.Steps)
                {
                    var letters = logits[TensorIndex.Colon, t - 2, TensorIndex.Slice(task.Letter(0), task.Letter(0) + o.Choices)].argmax(-1).cpu().data<long>().ToArray();
                    accLast = letters.Zip(answers).Count(x => x.First == x.Second) / (double)o.Batch;
                    progress?.Report(new CotSyntheticProgress("train", step, o.Steps, lossAvg, accLast, clock.Elapsed));
                }
            }
        }
        var trainingTime = clock.Elapsed;
        progress?.Report(new CotSyntheticProgress("record", done, o.Steps, lossAvg, accLast, clock.Elapsed));
        return Record(model, task, o, device, new Random(o.Seed + 1_000_003), lossAvg, trainingTime, done);
    }

    static CotSyntheticResult Record(TinyTransformer model, CotTask task, CotSyntheticOptions o, Device device, Random rng, double loss, TimeSpan trainingTime,
        int stepsDone)
    {
        bool partial = stepsDone < o.Steps;
        model.eval();
        int n = o.Questions, t = task.Tokens, p = t - 1, layers = o.Layers + 1;   // record positions BOS .. ANS
        var (tokens, answers, decisions) = task.Sample(n, rng);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var acts = new List<Tensor>();                                              // per chunk (b, L, P, C)
        var letterLogits = new List<Tensor>();                                      // per chunk (b, P, K)
        const int chunk = 256;
        for (int s = 0; s < n; s += chunk)
        {
            int b = Math.Min(chunk, n - s);
            var idx = tensor(tokens.AsSpan(s * t, b * t).ToArray(), [b, t], device: device)[TensorIndex.Colon, TensorIndex.Slice(0, p)]; // (b, P)
            var (logits, residuals) = model.ForwardWithResiduals(idx, record: true); // (b, P, V), L x (b, P, C)
            acts.Add(stack(residuals, 1).cpu());                                    // (b, L, P, C)
            letterLogits.Add(logits[TensorIndex.Ellipsis, TensorIndex.Slice(task.Letter(0), task.Letter(0) + o.Choices)].cpu()); // (b, P, K)
        }
        var all = cat(acts, 0);                                                     // (N, L, P, C)
        var scores = cat(letterLogits, 0);                                          // (N, P, K)
        var modelAnswers = scores[TensorIndex.Colon, p - 1].argmax(-1).data<long>().ToArray().Select(x => (int)x).ToArray();
        double accuracy = modelAnswers.Zip(answers).Count(x => x.First == x.Second) / (double)n;
        if (modelAnswers.Distinct().Count() < 2)
            throw new ArgumentException($"the {(partial ? $"partly trained ({stepsDone} of {o.Steps} steps, interrupted)" : "trained")} model gives the same answer " +
                $"to all {n} recorded questions (accuracy {accuracy:P0}), so there is nothing for a probe to predict; train longer (--steps), or try another --seed.");
        var set = ActivationSet.FromTensor(all, modelAnswers, baselineScores: scores,
            description: $"cot-synthetic (seed {o.Seed}: {o.Layers} blocks, width {o.Width}, chain {o.ChainLength}, {o.Choices} choices" +
                         (partial ? $"; PARTIAL: training interrupted after {stepsDone} of {o.Steps} steps)" : ")"));
        return new CotSyntheticResult(set, model, task, answers, decisions, accuracy, loss, trainingTime) { IsPartial = partial, StepsCompleted = stepsDone, Options = o }.Register();
    }
}
