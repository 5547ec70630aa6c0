using LatentLab.Formats;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement.Simd;

/// <summary>
/// GRPO's gradient step (<see cref="Grpo"/>) by hand, as <see cref="PpoMinibatch"/> is PPO's: per seed, the policy MLP's
/// forward pass over all B x 3 decisions of the rollout (<see cref="StackedMlpKernel"/>), the gradient of the same loss as
/// <see cref="Grpo.Loss"/> (per token -min(ratio A, clip(ratio) A) + beta k3, mean over the batch's decisions, summed over
/// seeds) with respect to the logits, back-propagated into every .grad; then <see cref="StackedAdam"/>.
/// d loss / d log pi(a) = (-A ratio where ratio A &lt;= clip(ratio) A, else 0) + beta (1 - pi_ref / pi), over n decisions.
/// </summary>
internal sealed unsafe class GrpoUpdate : IDisposable
{
    readonly StackedMlpKernel _kernel;
    readonly BatchedMlp _net;
    readonly int _seeds, _batch, _inputs, _actions;
    readonly int[] _choices;
    readonly GrpoOptions _options;
    readonly StackedAdam _adam;
    readonly float[] _gradLogits;
    float*[] _w = [], _b = [], _values = [], _grads = [];
    float*[] _gw = [], _gb = [];

    GrpoUpdate(BatchedMlp net, int[] choices, int batch, GrpoOptions options)
    {
        _net = net;
        _seeds = net.Seeds;
        _batch = batch;
        _inputs = net.Sizes[0];
        _actions = net.Sizes[^1];
        _choices = choices;
        _options = options;
        int rows = batch * AlignmentEnvironment.Decisions;
        _kernel = new StackedMlpKernel(net.Sizes, net.Activation == MlpActivation.Relu, rows);
        _gradLogits = new float[(long)rows * _actions];
        _adam = new StackedAdam(_seeds, net.parameters().Select(p => p.numel() / _seeds).ToArray());
    }

    /// <summary>The hand-written path when it applies: an MLP policy on the CPU, no output hook, AVX2 + FMA; else null.</summary>
    public static GrpoUpdate? TryCreate(AlignmentPolicy policy, int batch, GrpoOptions options)
    {
        return StackedMlpKernel.Runnable(policy.Network, policy.Environment.Device) is { } net
            ? new GrpoUpdate(net, policy.Environment.Choices, batch, options)
            : null;
    }

    /// <summary>
    /// Writes the loss's gradient into every parameter's .grad: inputs (S, B, 3, in), actions (S, B, 3), log pi_old and
    /// log pi_ref (S, B, 3), advantage (S, B, 1); contiguous CPU tensors.
    /// </summary>
    public void Gradients(Tensor inputs, Tensor actions, Tensor oldLogp, Tensor refLogp, Tensor advantage)
    {
        const int T = AlignmentEnvironment.Decisions;
        if (inputs.shape[0] != _seeds || inputs.shape[1] != _batch)
            throw new ArgumentException($"GrpoUpdate: inputs of {inputs.shape[0]} seeds x {inputs.shape[1]} episodes, made for {_seeds} x {_batch}.");
        var parameters = _net.parameters().ToList();
        if (parameters.Any(p => p.grad is null))
        {
            using var scope = NewDisposeScope();
            parameters.Select(p => p.sum() * 0).Aggregate((a, b) => a + b).backward();   // gives every parameter its .grad
        }
        using (no_grad())
        {
            (_w, _b, _gw, _gb) = PpoMinibatch.Pointers(_net);
            _values = PpoMinibatch.Interleave(_w, _b, [], []);
            _grads = PpoMinibatch.Interleave(_gw, _gb, [], []);
        }
        float* x = (float*)TensorMemory.Pointer(inputs), old = (float*)TensorMemory.Pointer(oldLogp), reference = (float*)TensorMemory.Pointer(refLogp);
        float* adv = (float*)TensorMemory.Pointer(advantage);
        long* taken = (long*)TensorMemory.Pointer(actions);
        int n = _batch * T, a = _actions;
        long rowFloats = (long)n * _inputs;
        float invN = 1f / n, clip = (float)_options.Clip;
        float beta = _options.KlPlacement == GrpoKlPlacement.LossK3 ? (float)_options.KlCoefficient : 0f;
        fixed (float* dz = _gradLogits)
            for (int s = 0; s < _seeds; s++)
            {
                Buffer.MemoryCopy(x + s * rowFloats, _kernel.Input, rowFloats * 4, rowFloats * 4);
                _kernel.Forward(_w, _b, s, n);
                float* logits = _kernel.Output;
                for (int r = 0; r < n; r++)
                {
                    long src = (long)s * n + r;
                    int t = r % T, valid = _choices[t];
                    float* z = logits + (long)r * a;
                    float* g = dz + (long)r * a;
                    float max = z[0];
                    for (int j = 1; j < valid; j++) max = MathF.Max(max, z[j]);
                    float sum = 0f;
                    for (int j = 0; j < valid; j++) sum += MathF.Exp(z[j] - max);
                    float lse = max + MathF.Log(sum);
                    int action = (int)taken[src];
                    float logp = z[action] - lse;
                    float ratio = MathF.Exp(logp - old[src]);
                    float A = adv[(long)s * _batch + r / T];
                    float clipped = Math.Clamp(ratio, 1 - clip, 1 + clip);
                    float dLogp = ratio * A <= clipped * A ? -A * ratio : 0f;               // -min(ratio A, clip(ratio) A)
                    if (beta != 0) dLogp += beta * (1f - MathF.Exp(reference[src] - logp)); // beta k3, k3 = pi_ref/pi - log(pi_ref/pi) - 1
                    dLogp *= invN;
                    for (int j = 0; j < valid; j++) g[j] = dLogp * ((j == action ? 1f : 0f) - MathF.Exp(z[j] - lse));
                    for (int j = valid; j < a; j++) g[j] = 0f;
                }
                _kernel.Backward(dz, _w, _gw, _gb, s, n);
            }
        GC.KeepAlive(inputs);
    }

    /// <summary>After <see cref="Gradients"/>: per-seed gradient clipping and one Adam step in place (<see cref="StackedAdam"/>).</summary>
    public void ClipAndStep(double maxNorm, double learningRate, double eps) => _adam.Step(_values, _grads, maxNorm, learningRate, eps);

    public void Dispose()
    {
        _kernel.Dispose();
        _adam.Dispose();
    }
}
