using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LatentLab.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement.Simd;

/// <summary>
/// The gradient of one PPO minibatch (<see cref="Ppo"/>) by hand: for each seed, gathers its episodes' decision inputs,
/// runs the policy MLP and the critic MLP forward (<see cref="StackedMlpKernel"/>), forms the gradient of the same loss as
/// the torch path (clipped surrogate on normalised advantages, entropy bonus, 0.5 value-coefficient squared error, means over
/// the minibatch's decisions, summed over seeds) with respect to the logits and values, and back-propagates it, writing every
/// parameter's .grad. No torch op and no autograd graph per minibatch (the torch path ran ~150 small ops forward and backward,
/// most of them on tensors of a few thousand floats). Clipping and Adam stay torch's.
/// The loss gradient, per decision (n = episodes x 3 decisions of the minibatch, A the advantage normalised per seed):
/// d pg / d log pi(a) = -A ratio / n where -A ratio &gt;= -A clip(ratio) (torch's max and clamp send the gradient there; elsewhere 0);
/// d log pi(a) / d z = onehot(a) - softmax(z) over the decision's valid choices (the masked ones get 0); the entropy bonus
/// adds c p_j (log p_j + H) / n; the value loss (v - R) c_v / n.
/// </summary>
internal sealed unsafe class PpoMinibatch : IDisposable
{
    readonly StackedMlpKernel _policy, _critic;
    readonly BatchedMlp _policyNet, _criticNet;
    readonly int _seeds, _batch, _inputs, _actions;
    readonly int[] _choices;
    readonly PpoOptions _options;
    readonly float[] _gradLogits, _gradValues, _adv;

    // Per iteration: the rollout's tensors (kept alive by the caller) and the parameters' memory.
    float* _x, _oldLogp, _advantages, _returns;
    long* _taken, _perm;
    float*[] _pw = [], _pb = [], _pgw = [], _pgb = [], _cw = [], _cb = [], _cgw = [], _cgb = [], _allValues = [], _allGrads = [];
    readonly StackedAdam _adam;                               // over policy w0, b0, w1, ..., critic w0, b0, ...

    PpoMinibatch(BatchedMlp policy, BatchedMlp critic, int[] choices, int batch, int minibatch, PpoOptions options)
    {
        _policyNet = policy;
        _criticNet = critic;
        _seeds = policy.Seeds;
        _batch = batch;
        _inputs = policy.Sizes[0];
        _actions = policy.Sizes[^1];
        _choices = choices;
        _options = options;
        int rows = minibatch * AlignmentEnvironment.Decisions;
        _policy = new StackedMlpKernel(policy.Sizes, policy.Activation == MlpActivation.Relu, rows);
        _critic = new StackedMlpKernel(critic.Sizes, critic.Activation == MlpActivation.Relu, rows);
        _gradLogits = new float[rows * _actions];
        _gradValues = new float[rows];
        _adv = new float[rows];
        _adam = new StackedAdam(_seeds, policy.parameters().Concat(critic.parameters()).Select(p => p.numel() / _seeds).ToArray());
    }

    /// <summary>The hand-written path when it applies: MLP policy and critic on the CPU, no output hook, AVX2 + FMA; else null.</summary>
    public static PpoMinibatch? TryCreate(AlignmentPolicy policy, IPolicyNetwork critic, int batch, int minibatch, PpoOptions options)
    {
        var device = policy.Environment.Device;
        if (StackedMlpKernel.Runnable(policy.Network, device) is not { } p || StackedMlpKernel.Runnable(critic, device) is not { } c) return null;
        if (p.Seeds != c.Seeds || c.Sizes[^1] != 1 || p.Sizes[0] != c.Sizes[0]) return null;
        return new PpoMinibatch(p, c, policy.Environment.Choices, batch, minibatch, options);
    }

    /// <summary>
    /// Points at one iteration's rollout: inputs (S, B, 3, in), actions (S, B, 3), log pi_old, advantages, returns (S, B, 3),
    /// all contiguous CPU tensors the caller keeps alive for the iteration; and makes sure every parameter has a .grad.
    /// </summary>
    public void Load(Tensor inputs, Tensor actions, Tensor oldLogp, Tensor advantages, Tensor returns)
    {
        _x = (float*)TensorMemory.Pointer(inputs);
        _taken = (long*)TensorMemory.Pointer(actions);
        _oldLogp = (float*)TensorMemory.Pointer(oldLogp);
        _advantages = (float*)TensorMemory.Pointer(advantages);
        _returns = (float*)TensorMemory.Pointer(returns);
        var all = _policyNet.parameters().Concat(_criticNet.parameters()).ToList();
        if (all.Any(p => p.grad is null))
        {
            // The first iteration: one zero backward gives every parameter its .grad tensor, which the kernel then overwrites.
            using var scope = NewDisposeScope();
            all.Select(p => p.sum() * 0).Aggregate((a, b) => a + b).backward();
        }
        using var noGrad = no_grad();
        (_pw, _pb, _pgw, _pgb) = Pointers(_policyNet);
        (_cw, _cb, _cgw, _cgb) = Pointers(_criticNet);
        _allValues = Interleave(_pw, _pb, _cw, _cb);
        _allGrads = Interleave(_pgw, _pgb, _cgw, _cgb);
    }

    internal static (float*[] W, float*[] B, float*[] GW, float*[] GB) Pointers(BatchedMlp net)
    {
        int layers = net.LayerCount;
        var w = new float*[layers];
        var b = new float*[layers];
        var gw = new float*[layers];
        var gb = new float*[layers];
        for (int l = 0; l < layers; l++)
        {
            w[l] = (float*)TensorMemory.Pointer(net.Weight(l));
            b[l] = (float*)TensorMemory.Pointer(net.Bias(l));
            gw[l] = (float*)TensorMemory.Pointer(net.Weight(l).grad!);
            gb[l] = (float*)TensorMemory.Pointer(net.Bias(l).grad!);
        }
        return (w, b, gw, gb);
    }

    /// <summary>Sets the permutation of this epoch: (B) long, contiguous; the caller keeps it alive.</summary>
    public void Permutation(Tensor perm) => _perm = (long*)TensorMemory.Pointer(perm);

    /// <summary>Writes the gradient of the minibatch perm[start .. start + size) into every parameter's .grad.</summary>
    public void Gradients(int start, int size)
    {
        const int T = AlignmentEnvironment.Decisions;
        if (start < 0 || size < 1 || start + size > _batch || size * T > _gradValues.Length)
            throw new ArgumentOutOfRangeException(nameof(size), $"minibatch [{start}, {start + size}) of {_batch} episodes, room for {_gradValues.Length / T}.");
        if (_perm is null || _x is null) throw new InvalidOperationException("PpoMinibatch: call Load and Permutation first.");
        int n = size * T, a = _actions, inW = _inputs;
        float invN = 1f / n;
        float clip = (float)_options.Clip, entropy = (float)_options.EntropyCoefficient, valueCoef = (float)_options.ValueCoefficient;
        fixed (float* dz = _gradLogits, dv = _gradValues, adv = _adv)
            for (int s = 0; s < _seeds; s++)
            {
                // Gather this seed's rows: episode perm[start + q], decision t -> row q T + t.
                float* xp = _policy.Input, xc = _critic.Input;
                for (int q = 0; q < size; q++)
                {
                    long e = _perm[start + q];
                    long src = ((long)s * _batch + e) * T;
                    Buffer.MemoryCopy(_x + src * inW, xp + (long)q * T * inW, (long)T * inW * 4, (long)T * inW * 4);
                    for (int t = 0; t < T; t++) adv[q * T + t] = _advantages[src + t];
                }
                Buffer.MemoryCopy(xp, xc, (long)n * inW * 4, (long)n * inW * 4);
                if (_options.NormalizeAdvantages)
                {
                    double mean = 0;
                    for (int r = 0; r < n; r++) mean += adv[r];
                    mean /= n;
                    double ss = 0;
                    for (int r = 0; r < n; r++) ss += (adv[r] - mean) * (adv[r] - mean);
                    float std = (float)Math.Sqrt(ss / (n - 1));                         // torch's std: unbiased
                    for (int r = 0; r < n; r++) adv[r] = (float)((adv[r] - mean) / (std + 1e-8f));
                }
                _policy.Forward(_pw, _pb, s, n);
                _critic.Forward(_cw, _cb, s, n);
                float* logits = _policy.Output, values = _critic.Output;
                for (int q = 0; q < size; q++)
                {
                    long src = ((long)s * _batch + _perm[start + q]) * T;
                    for (int t = 0; t < T; t++)
                    {
                        int r = q * T + t, valid = _choices[t];
                        float* z = logits + (long)r * a;
                        float* g = dz + (long)r * a;
                        float max = z[0];
                        for (int j = 1; j < valid; j++) max = MathF.Max(max, z[j]);
                        float sum = 0f;
                        for (int j = 0; j < valid; j++) sum += MathF.Exp(z[j] - max);
                        float lse = max + MathF.Log(sum);
                        int action = (int)_taken[src + t];
                        float logp = z[action] - lse;
                        float ratio = MathF.Exp(logp - _oldLogp[src + t]);
                        float adv_ = adv[r];
                        float clipped = Math.Clamp(ratio, 1 - clip, 1 + clip);
                        float dLogp = -adv_ * ratio >= -adv_ * clipped ? -adv_ * ratio * invN : 0f;   // d pg / d log pi(a)
                        float h = 0f;
                        if (entropy != 0)
                            for (int j = 0; j < valid; j++) { float lp = z[j] - lse; h -= MathF.Exp(lp) * lp; }
                        for (int j = 0; j < valid; j++)
                        {
                            float lp = z[j] - lse, p = MathF.Exp(lp);
                            float gj = dLogp * ((j == action ? 1f : 0f) - p);
                            if (entropy != 0) gj += entropy * invN * p * (lp + h);
                            g[j] = gj;
                        }
                        for (int j = valid; j < a; j++) g[j] = 0f;
                        dv[r] = valueCoef * (values[r] - _returns[src + t]) * invN;
                    }
                }
                _policy.Backward(dz, _pw, _pgw, _pgb, s, n);
                _critic.Backward(dv, _cw, _cgw, _cgb, s, n);
            }
    }

    /// <summary>After <see cref="Gradients"/>: per-seed gradient clipping and one Adam step in place (<see cref="StackedAdam"/>).</summary>
    public void ClipAndStep(double maxNorm, double learningRate, double eps) => _adam.Step(_allValues, _allGrads, maxNorm, learningRate, eps);

    /// <summary>w0, b0, w1, b1, ... of the policy, then of the critic: the order of parameters().</summary>
    internal static float*[] Interleave(float*[] pw, float*[] pb, float*[] cw, float*[] cb)
    {
        var all = new float*[2 * (pw.Length + cw.Length)];
        int i = 0;
        for (int l = 0; l < pw.Length; l++) { all[i++] = pw[l]; all[i++] = pb[l]; }
        for (int l = 0; l < cw.Length; l++) { all[i++] = cw[l]; all[i++] = cb[l]; }
        return all;
    }

    public void Dispose()
    {
        _policy.Dispose();
        _critic.Dispose();
        _adam.Dispose();
    }
}
