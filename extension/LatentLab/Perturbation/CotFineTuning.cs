using LatentLab.Models;
using LatentLab.Reinforcement;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// R stacked copies of the cot-synthetic transformer (<see cref="CotSyntheticSubject"/>) fine-tuned the way it was trained,
/// each on its own n demonstrations: next-token cross-entropy over the whole sequence with the answer letter weighted 4
/// (<see cref="CotSynthetic"/>'s loss), each copy's gradient clipped to norm 1 on its own (the training's clip), one Adam
/// over the stacked tensors (elementwise, so R independent optimisers), no schedule. The copies are one stack of every
/// parameter (<see cref="TinyTransformer.StackOrder"/>, (R, ...)) run by <see cref="TinyTransformer.ForwardStacked"/> with one
/// batch of tokens per copy: one forward and one backward pass for all R.
/// <list type="bullet">
/// <item>Attack (<see cref="FineTuneTarget.FirstLetter"/>, <see cref="FineTuneTarget.ShiftedLetter"/>): fresh questions of the
/// model's task, the chain as the task makes it, the letter after ANS replaced by the demonstrated one.</item>
/// <item>Control (no target): an unrelated task in the same vocabulary, copying. BOS, m = (T - 1) / 2 random filler tokens,
/// then the same string again (cyclically to the end); only the copied tokens are scored (the first string is
/// unpredictable). No chain, no ANS, no letter: what k steps on n sequences of something else cost the network.</item>
/// </list>
/// </summary>
sealed class CotFineTuning : IFineTuneCopies
{
    const double GradClip = 1.0;         // as CotSynthetic's training

    readonly TinyTransformer _model;     // runs the stacks (its own weights are not read)
    readonly TorchSharp.Modules.Parameter[] _stacks;   // (R, ...) leaves, StackOrder order
    readonly Tensor _input, _target;     // (R, n, T - 1) int64
    readonly Tensor _weight;             // (R, n, T - 1) float32, 0 where a token is not scored
    readonly optim.Optimizer _adam;
    readonly int _vocab;

    /// <param name="stream">0 for the attack, 1 for the control: each draws its own sequences.</param>
    public CotFineTuning(TinyTransformer model, CotTask task, IReadOnlyList<SubjectParameter> clean, FineTuneTarget? target, FineTuneAttackOptions o,
        double learningRate, int stream, Device device)
    {
        _model = model;
        _vocab = task.Vocab;
        int r = o.Seeds, n = o.Demonstrations, t = task.Tokens;
        Copies = r;
        var (tokens, weights) = target is { } demonstrated
            ? CotDemonstrations.Questions(task, demonstrated, r * n, o.Seed * 2L + stream + 3_000_003L)
            : CotDemonstrations.Copying(task, r * n, o.Seed * 2L + stream + 3_000_003L);
        using (var scope = NewDisposeScope())
        {
            var idx = tensor(tokens, [r, n, t], device: device);                              // set-major: set i = sequences i*n .. i*n + n - 1
            _input = idx[TensorIndex.Ellipsis, TensorIndex.Slice(0, t - 1)].contiguous().DetachFromDisposeScope();
            _target = idx[TensorIndex.Ellipsis, TensorIndex.Slice(1, t)].contiguous().DetachFromDisposeScope();
            _weight = tensor(weights, [r, n, t - 1], device: device).DetachFromDisposeScope();
        }
        using (var scope = NewDisposeScope())
        using (no_grad())
            _stacks = clean.Select(p =>
            {
                var stacked = new TorchSharp.Modules.Parameter(p.Value.unsqueeze(0).expand([r, .. p.Shape]).to(device).clone(), requires_grad: true);
                stacked.DetachFromDisposeScope();
                return stacked;
            }).ToArray();
        _adam = optim.Adam(_stacks, learningRate);
    }

    /// <inheritdoc />
    public int Copies { get; }

    /// <inheritdoc />
    public void Step()
    {
        using var scope = NewDisposeScope();
        _adam.zero_grad();
        long r = _input.shape[0], n = _input.shape[1], t = _input.shape[2];
        var (logits, _) = _model.ForwardStacked(_input, _stacks);                   // (R, n, T-1, V)
        var perToken = nn.functional.cross_entropy(logits.reshape(-1, _vocab), _target.reshape(-1), reduction: nn.Reduction.None).view(r, n, t);
        var loss = ((perToken * _weight).sum([1, 2]) / _weight.sum([1, 2])).sum();                      // each copy its own mean; summed, gradients stay apart
        loss.backward();
        BatchedMlp.ClipGradNormPerSeed(_stacks, GradClip);                          // each copy's gradient clipped on its own
        _adam.step();
    }

    /// <inheritdoc />
    public IReadOnlyList<Tensor> Stacks() => _stacks.Select(p => p.detach()).ToArray();

    public void Dispose()
    {
        _adam.Dispose();
        foreach (var s in _stacks) s.Dispose();
        _input.Dispose();
        _target.Dispose();
        _weight.Dispose();
    }
}
