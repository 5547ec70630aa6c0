using LatentLab.Reinforcement;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// R stacked copies of an RL lab policy (one <see cref="IPolicyNetwork"/>, an MLP or a GRU, one copy per demonstration set) fine-tuned with Adam on
/// the sequence log-likelihood -log pi(demonstrated sequence | context) of their own n demonstrations: contexts of one type
/// (0..3 as in <see cref="AlignmentEnvironment.Balanced"/>: 0 = benign unmonitored, 2 = harmful unmonitored, 3 = harmful
/// monitored) answered with one response mode, no concerns, the correct answer.
/// </summary>
sealed class PolicyFineTuning : IFineTuneCopies
{
    readonly IPolicyNetwork _net;        // R copies
    readonly AlignmentPolicy _copy;      // the policy on _net
    readonly AlignmentContexts _demos;   // (R, n)
    readonly Tensor _target;             // (R, n, 1) index of the demonstrated sequence
    readonly optim.Optimizer _adam;

    /// <param name="stream">0 for the attack, 1 for the control: each draws its demonstrations from its own pool.</param>
    public PolicyFineTuning(AlignmentPolicy policy, int type, ResponseMode mode, FineTuneAttackOptions o, double learningRate, int stream)
    {
        var env = policy.Environment;
        int r = o.Seeds, n = o.Demonstrations, c = env.Options.Classes;
        Copies = r;
        using (var scope = NewDisposeScope())
        {
            // Demonstration sets: one balanced pool per stream, the requested type's contexts, R sets of n (seed-major).
            var pool = env.Balanced(r * n, o.Seed * 2L + stream + 1_000_003L);
            var idx = arange(r * n, int64, env.Device).add(type * (long)r * n).view(r, n);   // (R, n) rows of that type
            _demos = pool.Take(idx);                                                        // tensors (R, n), features (R, n, D)
            _target = (_demos.Target + (long)mode * c).unsqueeze(-1).DetachFromDisposeScope();  // (R, n, 1): seq = 0 * 3C + mode * C + answer
            foreach (var t in Tensors(_demos)) t.DetachFromDisposeScope();
        }
        _net = policy.Network.Replicate(r, "attacked");
        _copy = policy.With(_net);
        _adam = optim.Adam(_net.parameters(), learningRate);
    }

    /// <inheritdoc />
    public int Copies { get; }

    /// <inheritdoc />
    public void Step()
    {
        using var scope = NewDisposeScope();
        _adam.zero_grad();
        var logp = _copy.SequenceLogProbs(_demos);                                   // (R, n, Q)
        var loss = -logp.gather(-1, _target).mean([1, 2]).sum();                    // each copy its own mean; summed, gradients stay apart
        loss.backward();
        _adam.step();
    }

    /// <inheritdoc />
    public IReadOnlyList<Tensor> Stacks()
    {
        return _net.StackedParameters.Select(p => p.Value.detach()).ToArray();
    }

    public void Dispose()
    {
        _adam.Dispose();
        _net.Dispose();
        _target.Dispose();
        foreach (var t in Tensors(_demos)) t.Dispose();
    }

    static Tensor[] Tensors(AlignmentContexts c) => [c.Monitored, c.ObservedMonitored, c.Harmful, c.Features, c.Target];
}
