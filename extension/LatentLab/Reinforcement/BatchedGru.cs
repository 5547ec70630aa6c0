using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// S independent GRU policies stored as one network with stacked weights: L stacked GRU layers of H units and a linear
/// head, the GRU cell written out with one batched matmul per weight over the S seeds (never a loop over seeds).
/// <code>
/// layer l, input x (S', N, in_l), state h (S', N, H):
///   [r_x, z_x, n_x] = x W_ih + b_ih        [r_h, z_h, n_h] = h W_hh + b_hh      each (S', N, H); W_ih (S, in_l, 3H), W_hh (S, H, 3H)
///   r = sigmoid(r_x + r_h)   z = sigmoid(z_x + z_h)   n = tanh(n_x + r * n_h)
///   h' = (1 - z) * n + z * h                                                   torch.nn.GRU's equations and gate order
/// head: logits = h'_top W + b                                                   W (S, H, out), b (S, 1, out)
/// </code>
/// The state between decisions is every layer's h, (S', N, L * H), zero before the first. Initialisation as CleanRL's
/// recurrent PPO: orthogonal W_ih and W_hh (gain 1), zero biases; the head orthogonal with the output gain. Parameters,
/// in order: w_ih{l}, w_hh{l}, b_ih{l}, b_hh{l} for every layer, then the head w{L}, b{L}. A network with S = 1 broadcasts
/// over any number of seeds in its input.
/// </summary>
public sealed class BatchedGru : nn.Module, IPolicyNetwork
{
    readonly Parameter[] _wIh, _wHh, _bIh, _bHh;      // per layer: (S, in_l, 3H), (S, H, 3H), (S, 1, 3H), (S, 1, 3H)
    readonly Parameter _wHead, _bHead;                // (S, H, out), (S, 1, out)
    readonly StackedParameter[] _stacked;

    /// <inheritdoc />
    public PolicyArchitecture Architecture => PolicyArchitecture.Gru;

    /// <inheritdoc />
    public bool IsRecurrent => true;

    /// <inheritdoc />
    public int Seeds { get; }

    /// <summary>Hidden units per GRU layer (H).</summary>
    public int Hidden { get; }

    /// <summary>Number of stacked GRU layers (L).</summary>
    public int Layers => _wIh.Length;

    /// <summary>Sizes: input, H per GRU layer, output.</summary>
    public int[] Sizes { get; }

    /// <summary>The GRU layers and the head.</summary>
    public int LayerCount => Layers + 1;

    /// <inheritdoc />
    /// <remarks>Layer l &lt; L sees that layer's new state h' (what the layer above and the next decision read); layer L the logits.</remarks>
    public Func<int, Tensor, Tensor>? OutputHook { get; set; }

    /// <inheritdoc />
    public IReadOnlyList<StackedParameter> StackedParameters => _stacked;

    BatchedGru(string name, IReadOnlyList<Tensor> stacks) : base(name)
    {
        var shapes = stacks.Select(t => t.shape).ToArray();
        if (shapes.Length < 6 || (shapes.Length - 2) % 4 != 0 || shapes.Any(s => s.Length != 3))
            throw new ArgumentException($"{shapes.Length} tensors for a GRU policy: give w_ih, w_hh, b_ih, b_hh (each (S, ., .)) per layer, then the head's w and b.");
        int layers = (shapes.Length - 2) / 4;
        long s = shapes[0][0], h = Math.Max(1, shapes[0][2] / 3);                      // W_ih0 is (S, in, 3H)
        var input = shapes[0][1];
        var output = shapes[^2][2];
        var expected = ParameterShapes((int)s, [(int)input, .. Enumerable.Repeat((int)h, layers), (int)output]);
        for (int i = 0; i < shapes.Length; i++)
            if (!shapes[i].SequenceEqual(expected[i]))
                throw new ArgumentException($"GRU tensor {i} has shape ({string.Join(", ", shapes[i])}) but a GRU of {layers} layer(s) of {h} units " +
                                            $"from {input} inputs to {output} outputs needs ({string.Join(", ", expected[i])}).");
        Seeds = (int)s;
        Hidden = (int)h;
        Sizes = [(int)input, .. Enumerable.Repeat(Hidden, layers), (int)output];
        // A Parameter takes over its tensor's handle: every shape was read above.
        var p = stacks.Select(t => new Parameter(t, requires_grad: true)).ToArray();
        _wIh = new Parameter[layers]; _wHh = new Parameter[layers]; _bIh = new Parameter[layers]; _bHh = new Parameter[layers];
        var stacked = new List<StackedParameter>();
        for (int l = 0; l < layers; l++)
        {
            (_wIh[l], _wHh[l], _bIh[l], _bHh[l]) = (p[4 * l], p[4 * l + 1], p[4 * l + 2], p[4 * l + 3]);
            stacked.Add(new StackedParameter($"w_ih{l}", _wIh[l], l, false, false, l == 0));
            stacked.Add(new StackedParameter($"w_hh{l}", _wHh[l], l, false, false, false));
            stacked.Add(new StackedParameter($"b_ih{l}", _bIh[l], l, true, false, false));
            stacked.Add(new StackedParameter($"b_hh{l}", _bHh[l], l, true, false, false));
        }
        (_wHead, _bHead) = (p[^2], p[^1]);
        stacked.Add(new StackedParameter($"w{layers}", _wHead, layers, false, true, false));
        stacked.Add(new StackedParameter($"b{layers}", _bHead, layers, true, true, false));
        _stacked = [.. stacked];
        foreach (var sp in _stacked) register_parameter(sp.Name, sp.Value);
    }

    /// <summary>Shapes of every parameter, in <see cref="StackedParameters"/> order, for <paramref name="sizes"/> = input, H per layer, output.</summary>
    public static IReadOnlyList<long[]> ParameterShapes(int seeds, int[] sizes)
    {
        if (sizes.Length < 3) throw new ArgumentException($"GRU sizes [{string.Join(", ", sizes)}]: give input, at least one hidden size, output.");
        var shapes = new List<long[]>();
        for (int l = 0; l + 2 < sizes.Length; l++)
        {
            long h = sizes[l + 1];
            shapes.Add([seeds, sizes[l], 3 * h]);
            shapes.Add([seeds, h, 3 * h]);
            shapes.Add([seeds, 1, 3 * h]);
            shapes.Add([seeds, 1, 3 * h]);
        }
        shapes.Add([seeds, sizes[^2], sizes[^1]]);
        shapes.Add([seeds, 1, sizes[^1]]);
        return shapes;
    }

    /// <summary>A network from given tensors in <see cref="StackedParameters"/> order (taken over, not copied); shapes are checked.</summary>
    public static BatchedGru FromTensors(IReadOnlyList<Tensor> stacks, string name = nameof(BatchedGru)) => new(name, stacks);

    /// <summary>A fresh network, drawn from <paramref name="generator"/> layer by layer (W_ih, W_hh), then the head.</summary>
    /// <param name="layers">Stacked GRU layers (at least 1).</param>
    public static BatchedGru Create(int seeds, int input, int hidden, int layers, int output, double outputGain, Generator generator,
        Device device, string name = nameof(BatchedGru))
    {
        if (seeds < 1) throw new ArgumentException($"seeds = {seeds}: use at least one seed.");
        if (hidden < 1 || layers < 1) throw new ArgumentException($"hidden {hidden}, layers {layers}: a GRU needs hidden >= 1 and at least one layer.");
        var stacks = new List<Tensor>();
        for (int l = 0; l < layers; l++)
        {
            stacks.Add(BatchedMlp.Orthogonal(seeds, l == 0 ? input : hidden, 3 * hidden, 1.0, generator, device));
            stacks.Add(BatchedMlp.Orthogonal(seeds, hidden, 3 * hidden, 1.0, generator, device));
            stacks.Add(zeros([seeds, 1, 3 * hidden], float32, device));
            stacks.Add(zeros([seeds, 1, 3 * hidden], float32, device));
        }
        stacks.Add(BatchedMlp.Orthogonal(seeds, hidden, output, outputGain, generator, device));
        stacks.Add(zeros([seeds, 1, output], float32, device));
        return new BatchedGru(name, stacks);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Fused where libtorch has the op (same equations, fewer passes over memory; elementwise work, not the matmuls, set the
    /// speed at these sizes): the bias rides in baddbmm, r and z come from one add and one sigmoid over their 2H columns,
    /// n_x + r * n_h is one addcmul, and h' = (1 - z) * n + z * h = n + z * (h - n) is one lerp.
    /// </remarks>
    public (Tensor Logits, Tensor? State) Step(Tensor input, Tensor? state)
    {
        long hidden = Hidden;
        var x = input;                                                               // (S', N, in)
        var next = new Tensor[Layers];
        for (int l = 0; l < Layers; l++)
        {
            var h = state?.narrow(-1, l * hidden, hidden);                           // (S', N, H); null: h = 0
            var gx = Affine(x, _wIh[l], _bIh[l]);                                    // (S', N, 3H): [r_x, z_x, n_x]
            var gh = h is null ? _bHh[l] : Affine(h, _wHh[l], _bHh[l]);              // (S', N, 3H); h = 0 gives b_hh exactly
            var rz = (gx.narrow(-1, 0, 2 * hidden) + gh.narrow(-1, 0, 2 * hidden)).sigmoid(); // (S', N, 2H): [r, z]
            var r = rz.narrow(-1, 0, hidden);
            var z = rz.narrow(-1, hidden, hidden);
            var n = gx.narrow(-1, 2 * hidden, hidden).addcmul(r, gh.narrow(-1, 2 * hidden, hidden), 1).tanh(); // tanh(n_x + r * n_h)
            var hNew = h is null ? n.addcmul(z, n, -1) : n.lerp(h, z);               // (1 - z) * n [+ z * h]: (S', N, H)
            if (OutputHook is { } hook) hNew = hook(l, hNew);
            next[l] = hNew;
            x = hNew;
        }
        var logits = Affine(x, _wHead, _bHead);                                      // (S', N, out)
        if (OutputHook is { } head) logits = head(Layers, logits);
        return (logits, Layers == 1 ? next[0] : cat(next, -1));                      // state (S', N, L * H)
    }

    /// <summary>x W + b for x (S', N, in), W (S, in, out), b (S, 1, out): one baddbmm when S' = S, else a broadcasting matmul (S = 1).</summary>
    /// <remarks>TorchSharp's <c>batch1.baddbmm(batch2, mat)</c> is libtorch's mat.baddbmm(batch1, batch2) = mat + batch1 @ batch2.</remarks>
    static Tensor Affine(Tensor x, Tensor w, Tensor b) =>
        x.shape[0] == w.shape[0] ? x.baddbmm(w, b) : x.matmul(w) + b;

    /// <inheritdoc />
    public Tensor Logits(Tensor inputs)
    {
        long t = inputs.shape[2];                                                    // inputs (S', N, T, in)
        var logits = new Tensor[t];
        Tensor? state = null;
        for (int i = 0; i < t; i++) (logits[i], state) = Step(inputs.select(2, i), state);
        return stack(logits, 2);                                                     // (S', N, T, out)
    }

    IPolicyNetwork IPolicyNetwork.Replicate(int times, string? name) => Replicate(times, name);
    IPolicyNetwork IPolicyNetwork.Copy(string? name) => Replicate(1, name);
    IPolicyNetwork IPolicyNetwork.SelectSeed(int seed) => SelectSeed(seed);
    IPolicyNetwork IPolicyNetwork.WithTensors(IReadOnlyList<Tensor> stacks, string name) => FromTensors(stacks, name);

    /// <summary>A deep copy with every seed's network repeated <paramref name="times"/> times: S -&gt; S * times (seed-major).</summary>
    public BatchedGru Replicate(int times, string? name = null)
    {
        using var noGrad = no_grad();
        return new BatchedGru(name ?? GetName(), _stacked.Select(p => p.Value.detach().repeat_interleave(times, 0).contiguous()).ToArray());
    }

    /// <summary>Only seed <paramref name="seed"/>'s network, as a 1-seed copy.</summary>
    public BatchedGru SelectSeed(int seed)
    {
        using var noGrad = no_grad();
        return new BatchedGru(GetName(), _stacked.Select(p => p.Value.detach()[seed..(seed + 1)].clone()).ToArray());
    }
}
