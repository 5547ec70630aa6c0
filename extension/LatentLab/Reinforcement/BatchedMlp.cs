using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// S independent multi-layer perceptrons stored as one network with stacked weights: layer l has W_l (S, in, out) and
/// b_l (S, 1, out), and an input (S, N, in) goes through every seed's network in one batched matmul per layer.
/// Seeds never mix: a loss summed over seeds gives each seed its own gradient, and Adam (elementwise) keeps them apart;
/// gradient clipping must be per seed (<see cref="ClipGradNormPerSeed"/>).
/// A network with S = 1 broadcasts over any number of seeds in its input.
/// </summary>
public sealed partial class BatchedMlp : nn.Module<Tensor, Tensor>
{
    readonly Parameter[] _weights;
    readonly Parameter[] _biases;

    /// <summary>Number of stacked networks (seeds).</summary>
    public int Seeds { get; }

    /// <summary>Hidden-layer nonlinearity.</summary>
    public MlpActivation Activation { get; }

    /// <summary>Number of linear layers (hidden layers + the output layer).</summary>
    public int LayerCount => _weights.Length;

    /// <summary>Layer sizes: input, hidden..., output.</summary>
    public int[] Sizes { get; }

    /// <summary>
    /// Optional hook on each layer's output (after the nonlinearity; the last layer's output is the logits): (layer, h (S', N, size))
    /// -&gt; the h the next layer sees. Null (the default) leaves forward unchanged. Used by activation-noise sweeps.
    /// </summary>
    public Func<int, Tensor, Tensor>? OutputHook { get; set; }

    BatchedMlp(string name, Tensor[] weights, Tensor[] biases, MlpActivation activation) : base(name)
    {
        Seeds = (int)weights[0].shape[0];
        Activation = activation;
        Sizes = [(int)weights[0].shape[1], .. weights.Select(w => (int)w.shape[2])];
        // A Parameter takes over its tensor's handle: read every shape before this point.
        _weights = weights.Select(w => new Parameter(w, requires_grad: true)).ToArray();
        _biases = biases.Select(b => new Parameter(b, requires_grad: true)).ToArray();
        for (int l = 0; l < _weights.Length; l++)
        {
            register_parameter($"w{l}", _weights[l]);
            register_parameter($"b{l}", _biases[l]);
        }
    }

    /// <summary>A network from given tensors: weights (S, in, out) and biases (S, 1, out) per layer (taken over, not copied).</summary>
    public static BatchedMlp FromTensors(Tensor[] weights, Tensor[] biases, MlpActivation activation, string name = nameof(BatchedMlp))
    {
        if (weights.Length == 0 || weights.Length != biases.Length)
            throw new ArgumentException($"{weights.Length} weight and {biases.Length} bias tensors: give one of each per layer, at least one layer.");
        return new BatchedMlp(name, weights, biases, activation);
    }

    /// <summary>
    /// A fresh network: orthogonal weights (gain sqrt(2) on hidden layers, <paramref name="outputGain"/> on the output layer,
    /// as CleanRL initialises PPO's networks) and zero biases, drawn from <paramref name="generator"/>.
    /// </summary>
    /// <param name="hiddenLayers">Number of hidden layers (0 = a linear model).</param>
    public static BatchedMlp Create(int seeds, int input, int width, int hiddenLayers, int output, MlpActivation activation,
        double outputGain, Generator generator, Device device, string name = nameof(BatchedMlp))
    {
        if (seeds < 1) throw new ArgumentException($"seeds = {seeds}: use at least one seed.");
        if (width < 1 || hiddenLayers < 0) throw new ArgumentException($"width {width}, hidden layers {hiddenLayers}: use width >= 1 and hidden layers >= 0.");
        var sizes = new List<int> { input };
        for (int l = 0; l < hiddenLayers; l++) sizes.Add(width);
        sizes.Add(output);
        var weights = new Tensor[sizes.Count - 1];
        var biases = new Tensor[sizes.Count - 1];
        for (int l = 0; l < weights.Length; l++)
        {
            double gain = l == weights.Length - 1 ? outputGain : Math.Sqrt(2);
            weights[l] = Orthogonal(seeds, sizes[l], sizes[l + 1], gain, generator, device);
            biases[l] = zeros([seeds, 1, sizes[l + 1]], float32, device);
        }
        return new BatchedMlp(name, weights, biases, activation);
    }

    /// <summary>(S, rows, cols) with orthonormal columns (rows &gt;= cols) or rows, times gain: QR of a Gaussian per seed, signs fixed.</summary>
    internal static Tensor Orthogonal(int seeds, int rows, int cols, double gain, Generator generator, Device device)
    {
        int big = Math.Max(rows, cols), small = Math.Min(rows, cols);
        var a = randn([seeds, big, small], float32, device, generator: generator);  // (S, big, small)
        var (q, r) = linalg.qr(a);                                                   // q (S, big, small), r (S, small, small)
        q = q * r.diagonal(0, -2, -1).sign().unsqueeze(-2);
        var w = rows >= cols ? q : q.transpose(1, 2);                                 // (S, rows, cols)
        return (w * gain).contiguous();
    }

    /// <summary>(S', N, in) -&gt; (S', N, out), S' = Seeds (or any S' when Seeds = 1).</summary>
    public override Tensor forward(Tensor x)
    {
        var h = x;
        // Without gradients the bias and the nonlinearity go in place on the fresh matmul output: one large allocation per
        // layer instead of three (same values bit for bit); a perturbation sweep's forward pass was dominated by them.
        bool inPlace = !is_grad_enabled();
        if (inPlace && OutputHook is null && Simd.StackedMlpKernel.InferenceActive && KernelForward(x) is { } fast) return fast;
        for (int l = 0; l < _weights.Length; l++)
        {
            if (inPlace)
            {
                h = h.matmul(_weights[l]);
                h.add_(_biases[l]);
                if (l < _weights.Length - 1) { if (Activation == MlpActivation.Tanh) h.tanh_(); else h.relu_(); }
            }
            else
            {
                h = h.matmul(_weights[l]) + _biases[l];                              // (S, N, size_{l+1})
                if (l < _weights.Length - 1) h = Activation == MlpActivation.Tanh ? h.tanh() : nn.functional.relu(h);
            }
            if (OutputHook is { } hook) h = hook(l, h);
        }
        return h;
    }

    /// <summary>
    /// The forward pass on <see cref="Simd.StackedMlpKernel"/> (inside its inference scope, without gradients): x (S', N, in)
    /// float32 on the CPU with S' = Seeds or Seeds = 1; null when the input or the weights do not fit it (torch's path then).
    /// </summary>
    unsafe Tensor? KernelForward(Tensor x)
    {
        if (x.dim() != 3 || x.dtype != float32 || x.device_type != DeviceType.CPU || x.shape[2] != Sizes[0]) return null;
        long inputSeeds = x.shape[0], rows = x.shape[1];
        if (Seeds != 1 && inputSeeds != Seeds) return null;
        if (_weights.Concat(_biases).Any(p => p.dtype != float32 || p.device_type != DeviceType.CPU || !p.is_contiguous())) return null;
        if (rows == 0 || inputSeeds == 0) return null;
        var input = x.contiguous();
        var y = empty([inputSeeds, rows, Sizes[^1]], float32, x.device);
        var w = new float*[LayerCount];
        var b = new float*[LayerCount];
        for (int l = 0; l < LayerCount; l++)
        {
            w[l] = (float*)Formats.TensorMemory.Pointer(_weights[l]);
            b[l] = (float*)Formats.TensorMemory.Pointer(_biases[l]);
        }
        Simd.StackedMlpKernel.Infer(Sizes, Activation == MlpActivation.Relu, w, b, Seeds, (float*)Formats.TensorMemory.Pointer(input),
            (float*)Formats.TensorMemory.Pointer(y), (int)inputSeeds, rows);
        GC.KeepAlive(input);
        return y;
    }

    /// <summary>(S, in, out) weight of layer <paramref name="layer"/>.</summary>
    public Parameter Weight(int layer) => _weights[layer];

    /// <summary>(S, 1, out) bias of layer <paramref name="layer"/>.</summary>
    public Parameter Bias(int layer) => _biases[layer];

    /// <summary>A deep copy with every seed's network repeated <paramref name="times"/> times: S -&gt; S * times (seed-major).</summary>
    public BatchedMlp Replicate(int times, string? name = null)
    {
        using var noGrad = no_grad();
        return new BatchedMlp(name ?? GetName(),
            _weights.Select(w => w.detach().repeat_interleave(times, 0).contiguous()).ToArray(),
            _biases.Select(b => b.detach().repeat_interleave(times, 0).contiguous()).ToArray(), Activation);
    }

    /// <summary>A deep copy (same seeds), detached from this network's graph.</summary>
    public BatchedMlp Copy(string? name = null) => Replicate(1, name);

    /// <summary>Only seed <paramref name="seed"/>'s network, as a 1-seed copy.</summary>
    public BatchedMlp SelectSeed(int seed)
    {
        using var noGrad = no_grad();
        return new BatchedMlp(GetName(),
            _weights.Select(w => w.detach()[seed..(seed + 1)].clone()).ToArray(),
            _biases.Select(b => b.detach()[seed..(seed + 1)].clone()).ToArray(), Activation);
    }

    /// <summary>
    /// Clips each seed's gradient (over all of <paramref name="parameters"/>, leading axis S) to global norm
    /// <paramref name="maxNorm"/>: torch's clip_grad_norm_ applied per seed. Returns the (S) norms before clipping.
    /// </summary>
    public static Tensor ClipGradNormPerSeed(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        using var noGrad = no_grad();
        Tensor? total = null;
        foreach (var p in parameters)
        {
            if (p.grad is null) continue;
            var sq = p.grad.pow(2).flatten(1).sum(1);                                // (S)
            total = total is null ? sq : total + sq;
        }
        if (total is null) throw new InvalidOperationException("ClipGradNormPerSeed: no parameter has a gradient; call backward() first.");
        var norm = total.sqrt();
        var scale = (maxNorm / (norm + 1e-6)).clamp_max(1.0);                        // (S)
        foreach (var p in parameters)
        {
            if (p.grad is null) continue;
            var shape = new long[p.grad.dim()];
            Array.Fill(shape, 1L);
            shape[0] = scale.shape[0];
            p.grad.mul_(scale.view(shape));
        }
        return norm;
    }
}
