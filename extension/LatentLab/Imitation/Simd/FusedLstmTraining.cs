using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentLab.Imitation.Simd;

/// <summary>
/// The student's training pass on the CPU in managed code: the forward pass of a one-layer LSTM and its head (Linear layers
/// with tanh between) over a chunk of episodes' whole sequences, and, from the loss's gradient with respect to the scores
/// (computed by torch, <see cref="ImitationLoss.FromLogits"/>), back-propagation through time into every parameter's
/// gradient. Why: nn.LSTM's forward and backward (oneDNN) plus the head's and the reshapes' autograd ops were 77% of a
/// training step at hidden 32 (docs/bandit-student.md); this does the same arithmetic in one pass per time step, all
/// rows of the chunk at once, with no allocation and no per-op dispatch.
///
/// Shapes (R = the chunk's LSTM rows: episodes x K per-arm, episodes joint, padded to R4, a multiple of 4, with rows of
/// zeros; T steps; F inputs, padded to Fp with one column of ones, whose weight gradient is the bias's; H hidden units,
/// padded to Hq, a multiple of 32; P = 4 Hq gate slots):
///   forward, per t:  pre (R4, P) = b + x_t (R4, F) Wx + h_{t-1} (R4, H) Wh     in chunks of 8 units x [i, f, g, o]
///                    c_t, h_t (R4, Hq); head: a_j = tanh(a_{j-1} W_j^T + b_j), scores = last layer (no tanh)
///   backward, per t descending: head from dscores_t -> dh_t; dz_t (R4, P) the gate pre-activations' gradient;
///                    dWh += dz_t^T h_{t-1}, dWx and db += dz_t^T [x_t, 1], dh_{t-1} = dz_t Wh^T.
/// Every product goes through one micro-kernel (<see cref="FmaTile.Tile4"/>: 4 rows x 32 columns, 16 accumulators, the depth in
/// order), so each sum runs in a fixed order: a chunk's gradient depends only on its inputs and the weights, never on
/// threads or timing, and the same on every x86-64 machine with AVX2 and FMA (no library kernel picked by CPU model).
/// The activations are <see cref="LstmActivations"/>' (those of the rollout kernel, so a training forward pass gives the
/// rollout's LSTM states); derivatives use the stored activations (sigmoid' = s (1 - s), tanh' = 1 - t^2).
/// </summary>
internal sealed unsafe class FusedLstmTraining
{
    const int Lanes = 8, Tile = 32;

    /// <summary>Off: gradient steps on this thread take torch's autograd path (the tests compare both).</summary>
    internal static bool Enabled { get => !_disabled; set => _disabled = !value; }
    [ThreadStatic] static bool _disabled;

    readonly int _f, _fp, _h, _hq, _p;
    readonly float[] _wx, _wh, _b, _whB;                 // (Hq/8, F, 32), (Hq/8, H, 32), (Hq/8, 32); (P, Hq) for dh = dz Wh^T
    readonly Layer[] _head;
    readonly string[] _names;                            // the network's parameter names, in named_parameters() order
    readonly string[] _headPrefixes;                     // per head layer, its parameters' prefix ("head.0.", "head.")

    sealed class Layer
    {
        public int In, Out, InP, OutP, OutR;             // InP, OutP: padded to 32; OutR: Out padded to 4 (rows of its weight gradient)
        public bool Tanh;                                // tanh after this layer (every layer but the last)
        public float[] Wf = [], Wb = [], B = [];          // (OutP/32, In, 32) forward; (Out, InP) backward, zero-padded rows; (OutP)
    }

    FusedLstmTraining(int f, int h, float[] wih, float[] whh, float[] bih, float[] bhh, (int In, int Out, float[] W, float[] B)[] head,
        string[] names, string[] headPrefixes)
    {
        _headPrefixes = headPrefixes;
        _f = f;
        _fp = (f + 1 + 3) / 4 * 4;                      // the inputs, one column of ones, zeros
        _h = h;
        _hq = (h + Tile - 1) / Tile * Tile;
        _p = 4 * _hq;
        _names = names;
        int chunks = _hq / Lanes;
        _wx = new float[chunks * f * 32];
        _wh = new float[chunks * h * 32];
        _b = new float[chunks * 32];
        _whB = new float[_p * _hq];
        for (int slot = 0; slot < _p; slot++)
        {
            int row = TorchRow(slot);
            if (row < 0) continue;                      // a padded unit: zero weights, so its gates stay 0 and its c, h exactly 0
            int j = slot / 32, s = slot % 32;
            for (int k = 0; k < f; k++) _wx[(j * f + k) * 32 + s] = wih[row * f + k];
            for (int k = 0; k < h; k++) _wh[(j * h + k) * 32 + s] = whh[row * h + k];
            _b[j * 32 + s] = bih[row] + bhh[row];        // as nn.LSTM adds them (b_ih + b_hh first, then the products)
            for (int k = 0; k < h; k++) _whB[slot * _hq + k] = whh[row * h + k];
        }
        _head = new Layer[head.Length];
        for (int l = 0; l < head.Length; l++)
        {
            var (inSize, outSize, w, b) = head[l];
            var layer = new Layer
            {
                In = inSize, Out = outSize, InP = (inSize + Tile - 1) / Tile * Tile, OutP = (outSize + Tile - 1) / Tile * Tile,
                OutR = (outSize + 3) / 4 * 4, Tanh = l < head.Length - 1,
            };
            layer.Wf = new float[layer.OutP * inSize];
            layer.Wb = new float[outSize * layer.InP];
            layer.B = new float[layer.OutP];
            for (int o = 0; o < outSize; o++)
            {
                for (int i = 0; i < inSize; i++)
                {
                    layer.Wf[((o / 32) * inSize + i) * 32 + o % 32] = w[o * inSize + i];
                    layer.Wb[o * layer.InP + i] = w[o * inSize + i];
                }
                layer.B[o] = b[o];
            }
            _head[l] = layer;
        }
        for (int l = 0; l < _head.Length; l++)
            if (_head[l].In != (l == 0 ? h : _head[l - 1].Out))
                throw new InvalidOperationException($"the head's layer {l} takes {_head[l].In} inputs, but its input has {(l == 0 ? h : _head[l - 1].Out)}");
    }

    /// <summary>nn.LSTM's weight row of gate slot <paramref name="slot"/> of the whole layer (32 per chunk), -1 for padding.</summary>
    int TorchRow(int slot) => FmaTile.GateColumn(slot / 32, slot % 32, _h);

    /// <summary>The workspace's arrays are pinned (allocated once per run): Forward and Backward carry pointers into them from one
    /// fixed block to the next. The weights and gradients, made every step, are ordinary arrays read only inside fixed blocks.</summary>
    static float[] Pinned(int n) => GC.AllocateArray<float>(n, pinned: true);

    static readonly string[] LstmNames = ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0"];

    /// <summary>
    /// The head layers' parameter prefixes if <paramref name="names"/> (named_parameters() order) are exactly one
    /// unidirectional LSTM layer with both biases, then the head's Linear weight and bias pairs (StudentNetwork's head is
    /// Linear, or Linear-Tanh-Linear: the tanh between layers is what this pass computes); null otherwise.
    /// </summary>
    static string[]? HeadPrefixes(IReadOnlyList<string> names)
    {
        var rest = names.Except(LstmNames).ToList();
        if (!LstmNames.All(names.Contains) || rest.Count == 0 || rest.Count % 2 != 0) return null;
        var prefixes = rest.Where(n => n.EndsWith(".weight", StringComparison.Ordinal)).Select(n => n[..^"weight".Length]).ToArray();
        bool pairs = prefixes.Length * 2 == rest.Count && prefixes.All(p => p.StartsWith("head.", StringComparison.Ordinal) && rest.Contains(p + "bias"));
        return pairs ? prefixes : null;
    }

    /// <summary>Whether this pass can train <paramref name="network"/>: AVX2 and FMA, and its parameters as <see cref="HeadPrefixes"/> asks.</summary>
    public static bool Supports(StudentNetwork network) =>
        LstmActivations.VectorSupported && HeadPrefixes(network.named_parameters().Select(p => p.name).ToList()) is not null;

    /// <summary>
    /// The pass for <paramref name="network"/>'s current weights (read once; build a new one after every update), or null when it
    /// cannot train this network (see <see cref="Supports"/>): one walk over the parameters for both.
    /// </summary>
    public static FusedLstmTraining? TryOf(StudentNetwork network)
    {
        if (!LstmActivations.VectorSupported) return null;
        using var scope = TorchSharp.torch.NewDisposeScope();
        var parameters = network.named_parameters().ToList();
        var names = parameters.Select(p => p.name).ToArray();
        if (HeadPrefixes(names) is not { } prefixes) return null;
        var byName = parameters.ToDictionary(p => p.name, p =>
        {
            using var flat = p.parameter.detach().cpu().to(TorchSharp.torch.float32).contiguous();
            return (Data: flat.data<float>().ToArray(), Shape: p.parameter.shape);
        });
        var wih = byName["lstm.weight_ih_l0"];
        int h = (int)byName["lstm.weight_hh_l0"].Shape[1], f = (int)wih.Shape[1];
        var head = prefixes.Select(prefix =>
        {
            var w = byName[prefix + "weight"];
            return ((int)w.Shape[1], (int)w.Shape[0], w.Data, byName[prefix + "bias"].Data);
        }).ToArray();
        return new FusedLstmTraining(f, h, wih.Data, byName["lstm.weight_hh_l0"].Data, byName["lstm.bias_ih_l0"].Data,
            byName["lstm.bias_hh_l0"].Data, head, names, prefixes);
    }

    /// <summary>Scores per LSTM row and step, (T, R4, last layer's OutP): what the forward pass leaves for the loss.</summary>
    public int ScoreStride => _head[^1].OutP;

    /// <summary>Outputs per row of the head's last layer (1 per-arm, K joint).</summary>
    public int Outputs => _head[^1].Out;

    /// <summary>Input features per row.</summary>
    public int Inputs => _f;

    /// <summary>
    /// One chunk's activations: made for <paramref name="rows"/> LSTM rows (padded to 4) and <paramref name="steps"/> steps,
    /// reused for every chunk of that size or smaller.
    /// </summary>
    public sealed class Workspace
    {
        public readonly int Rows, Steps;
        internal readonly string Widths;                  // the widths it was made for (see Fits)
        internal readonly float[] X, Act, C, Tc, H, Dz, DhRec, DcRec;
        internal readonly float[][] A, D;                // per head layer: output (T, R4, OutP) (tanh'd but the last); gradient (R4, max width)
        public readonly float[] Scores, DScores;          // (T, R4, ScoreStride)

        internal Workspace(FusedLstmTraining k, int rows, int steps)
        {
            Rows = (rows + 3) / 4 * 4;
            Steps = steps;
            Widths = k.WidthsKey;
            long n = (long)Rows * steps;
            X = Pinned(checked((int)(n * k._fp)));
            Act = Pinned(checked((int)(n * k._p)));
            C = Pinned(checked((int)(n * k._hq)));
            Tc = Pinned(checked((int)(n * k._hq)));
            H = Pinned(checked((int)(n * k._hq)));
            Dz = Pinned(Rows * k._p);
            DhRec = Pinned(Rows * k._hq);
            DcRec = Pinned(Rows * k._hq);
            A = k._head.Select(l => Pinned(checked((int)(n * l.OutP)))).ToArray();
            int widest = k._head.Max(l => Math.Max(l.OutP, l.InP));
            D = k._head.Select(_ => Pinned(Rows * widest)).ToArray();
            Scores = A[^1];
            DScores = Pinned(checked((int)(n * k.ScoreStride)));
        }
    }

    public Workspace NewWorkspace(int rows, int steps) => new(this, rows, steps);

    /// <summary>Whether <paramref name="ws"/> holds <paramref name="rows"/> rows of <paramref name="steps"/> steps at this pass's widths.</summary>
    public bool Fits([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] Workspace? ws, int rows, int steps) =>
        ws is not null && ws.Rows >= rows && ws.Steps >= steps && ws.Widths == WidthsKey;

    string WidthsKey => $"{_fp} {_p} {_hq} {string.Join(" ", _head.Select(l => $"{l.InP}x{l.OutP}"))}";

    /// <summary>
    /// Gradient sums of one part of a step in the pass's own layout (<see cref="ToTorchLayout"/> gives torch's), accumulated
    /// over the part's chunks in order.
    /// </summary>
    public sealed class Gradients
    {
        internal readonly float[] Dhh, DxT;               // (P, Hq) = sum dz^T h_prev; (Fp, P) = sum [x, 1]^T dz
        internal readonly float[][] DW, DB;               // per head layer: (OutR, InP), (OutP)

        internal Gradients(FusedLstmTraining k)
        {
            Dhh = new float[k._p * k._hq];
            DxT = new float[k._fp * k._p];
            DW = k._head.Select(l => new float[l.OutR * l.InP]).ToArray();
            DB = k._head.Select(l => new float[l.OutP]).ToArray();
        }
    }

    public Gradients NewGradients() => new(this);

    /// <summary>Adds <paramref name="other"/> (another part's sums) into <paramref name="into"/>, entry by entry.</summary>
    public static void Add(Gradients into, Gradients other)
    {
        static void Sum(float[] a, float[] b) { for (int i = 0; i < a.Length; i++) a[i] += b[i]; }
        Sum(into.Dhh, other.Dhh);
        Sum(into.DxT, other.DxT);
        for (int l = 0; l < into.DW.Length; l++) { Sum(into.DW[l], other.DW[l]); Sum(into.DB[l], other.DB[l]); }
    }

    /// <summary>The gradients in the layout and order of the network's named_parameters(): (name, data, shape) per parameter.</summary>
    public IReadOnlyList<(string Name, float[] Data)> ToTorchLayout(Gradients g)
    {
        var wih = new float[4 * _h * _f];
        var whh = new float[4 * _h * _h];
        var bias = new float[4 * _h];
        for (int slot = 0; slot < _p; slot++)
        {
            int row = TorchRow(slot);
            if (row < 0) continue;
            for (int k = 0; k < _f; k++) wih[row * _f + k] = g.DxT[k * _p + slot];
            for (int k = 0; k < _h; k++) whh[row * _h + k] = g.Dhh[slot * _hq + k];
            bias[row] = g.DxT[_f * _p + slot];
        }
        var byName = new Dictionary<string, float[]>
        {
            ["lstm.weight_ih_l0"] = wih, ["lstm.weight_hh_l0"] = whh, ["lstm.bias_ih_l0"] = bias, ["lstm.bias_hh_l0"] = (float[])bias.Clone(),
        };
        for (int l = 0; l < _head.Length; l++)
        {
            var layer = _head[l];
            var w = new float[layer.Out * layer.In];
            for (int o = 0; o < layer.Out; o++)
                for (int i = 0; i < layer.In; i++) w[o * layer.In + i] = g.DW[l][o * layer.InP + i];
            byName[_headPrefixes[l] + "weight"] = w;
            byName[_headPrefixes[l] + "bias"] = g.DB[l].AsSpan(0, layer.Out).ToArray();
        }
        return _names.Select(n => (n, byName[n])).ToList();
    }

    /// <summary>Whether the forward pass's cell updates and tanh run sixteen lanes at a time (where the CPU has AVX-512; the
    /// same numbers as eight lanes, which the tests check by switching it off).</summary>
    internal bool Wide { get => _wide; set => _wide = value && LstmActivations.WideSupported; }
    bool _wide = LstmActivations.WideSupported;

    /// <summary>
    /// One chunk's cell update in the forward pass, kept for the backward pass: from the pre-activations p ([i, f, g, o]) the
    /// activated gates to a, the new c, tanh(c) and h at [at] of cT, tcT, hT (c from cPrev, zero at the first step). One vector
    /// of <typeparamref name="L"/> is one row's eight units, or two rows' (the second's p 32 floats on, its a
    /// <paramref name="aStride"/> on, its state <paramref name="stateStride"/> on).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void ForwardCell<L, V>(float* p, float* a, long aStride, float* cPrev, float* cT, float* tcT, float* hT, long at, long stateStride)
        where L : ILanes<V> where V : struct
    {
        var (si, sf, tg, so) = LstmActivations.Gates<L, V>(L.Load(p, 32), L.Load(p + 8, 32), L.Load(p + 16, 32), L.Load(p + 24, 32));
        var cOld = cPrev == null ? L.Of(0f) : L.Load(cPrev + at, stateStride);
        var cNew = LstmActivations.NextC<L, V>(si, sf, tg, cOld);
        var tc = LstmActivations.Tanh<L, V>(cNew);
        L.Store(a, aStride, si); L.Store(a + 8, aStride, sf); L.Store(a + 16, aStride, tg); L.Store(a + 24, aStride, so);
        L.Store(cT + at, stateStride, cNew);
        L.Store(tcT + at, stateStride, tc);
        L.Store(hT + at, stateStride, L.Mul(so, tc));
    }

    /// <summary>
    /// Forward pass over <paramref name="rows"/> LSTM rows for <paramref name="steps"/> steps, from the student's encoded
    /// inputs <paramref name="inputs"/>: (E, T, G, F) with G = <paramref name="rowsPerEpisode"/> (per-arm: (E, T, K, F), row
    /// e x K + k; joint: (E, T, F), row e). Leaves the scores in <see cref="Workspace.Scores"/>, row r of step t at
    /// [(t x R4 + r) x ScoreStride].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(Workspace ws, int rows, int steps, float* inputs, int rowsPerEpisode)
    {
        if (!Fits(ws, rows, steps)) throw new ArgumentException("the workspace was made for fewer rows or steps, or another network's widths");
        int r4 = (rows + 3) / 4 * 4, chunks = _hq / Lanes;
        fixed (float* x = ws.X, act = ws.Act, cAll = ws.C, tcAll = ws.Tc, hAll = ws.H, wx = _wx, wh = _wh, b = _b)
        {
            float* pre = stackalloc float[4 * 32];
            for (int t = 0; t < steps; t++)
            {
                float* xt = x + (long)t * r4 * _fp;
                new Span<float>(xt, r4 * _fp).Clear();
                for (int r = 0; r < rows; r++)
                {
                    float* src = inputs + (((long)(r / rowsPerEpisode) * steps + t) * rowsPerEpisode + r % rowsPerEpisode) * _f;
                    for (int k = 0; k < _f; k++) xt[r * _fp + k] = src[k];
                    xt[r * _fp + _f] = 1f;               // the ones column (its weight gradient is the bias's)
                }
                float* hPrev = t == 0 ? null : hAll + (long)(t - 1) * r4 * _hq, cPrev = t == 0 ? null : cAll + (long)(t - 1) * r4 * _hq;
                float* actT = act + (long)t * r4 * _p, cT = cAll + (long)t * r4 * _hq, tcT = tcAll + (long)t * r4 * _hq, hT = hAll + (long)t * r4 * _hq;
                for (int r = 0; r < r4; r += 4)
                    for (int j = 0; j < chunks; j++)
                    {
                        FmaTile.Tile4(xt + r * _fp, _fp, 1, _f, wx + j * _f * 32, 32, b + j * 32, 0, pre, 32,
                            hPrev == null ? null : hPrev + r * _hq, _hq, _h, wh + j * _h * 32);
                        for (int i = 0; i < 4; i += Wide ? 2 : 1)
                        {
                            long at = (long)(r + i) * _hq + j * Lanes;
                            float* p = pre + i * 32, a = actT + (long)(r + i) * _p + j * 32;
                            if (Wide) ForwardCell<Avx512Lanes, Vector512<float>>(p, a, _p, cPrev, cT, tcT, hT, at, _hq);   // rows i, i + 1
                            else ForwardCell<Avx2Lanes, Vector256<float>>(p, a, _p, cPrev, cT, tcT, hT, at, _hq);
                        }
                    }
                // The head on this step's hidden states.
                float* input0 = hT;
                int inStride = _hq;
                for (int l = 0; l < _head.Length; l++)
                {
                    var layer = _head[l];
                    fixed (float* aAll = ws.A[l], wf = layer.Wf, bl = layer.B)
                    {
                        float* outT = aAll + (long)t * r4 * layer.OutP;
                        if (layer.Out == 1 && !layer.Tanh)
                        {
                            // One output (the per-arm score): a dot product per row, not a 32-wide tile with 31 zero columns.
                            fixed (float* wd = layer.Wb)
                                for (int r = 0; r < r4; r++) outT[r * layer.OutP] = FmaTile.Dot(input0 + r * inStride, wd, layer.InP) + bl[0];
                            input0 = outT;
                            inStride = layer.OutP;
                            continue;
                        }
                        for (int r = 0; r < r4; r += 4)
                            for (int g = 0; g < layer.OutP / 32; g++)
                            {
                                float* o = outT + r * layer.OutP + g * 32;
                                FmaTile.Tile4(input0 + r * inStride, inStride, 1, layer.In, wf + g * layer.In * 32, 32, bl + g * 32, 0, o, layer.OutP);
                                if (layer.Tanh)
                                    for (int i = 0; i < 4; i++) LstmActivations.TanhInPlace(o + i * layer.OutP, 32, wide: Wide);
                            }
                        input0 = outT;
                        inStride = layer.OutP;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The last <see cref="Forward"/>'s scores as the network's logits, or (<paramref name="toScores"/>) the loss's gradient with
    /// respect to them back into <see cref="Workspace.DScores"/> (padding rows and columns zero): row e x G + k of step t is
    /// [e, t, k x O + o] of the (E, T, G x O) tensor, G = <paramref name="rowsPerEpisode"/>, O = <see cref="Outputs"/>.
    /// </summary>
    public void CopyScores(Workspace ws, int rows, int steps, int rowsPerEpisode, float* logits, bool toScores)
    {
        int r4 = (rows + 3) / 4 * 4, stride = ScoreStride, outputs = Outputs, episodes = rows / rowsPerEpisode;
        if (toScores) Array.Clear(ws.DScores, 0, steps * r4 * stride);
        fixed (float* scores = toScores ? ws.DScores : ws.Scores)
            for (long e = 0; e < episodes; e++)
                for (int t = 0; t < steps; t++)
                    for (int k = 0; k < rowsPerEpisode; k++)
                    {
                        float* packed = scores + ((long)t * r4 + e * rowsPerEpisode + k) * stride;
                        float* flat = logits + ((e * steps + t) * rowsPerEpisode + k) * outputs;
                        if (toScores) new Span<float>(flat, outputs).CopyTo(new Span<float>(packed, outputs));
                        else new Span<float>(packed, outputs).CopyTo(new Span<float>(flat, outputs));
                    }
    }

    /// <summary>
    /// Back-propagation through time of the last <see cref="Forward"/> from the scores' gradient in
    /// <see cref="Workspace.DScores"/> (the layout of the scores; zero for padding rows and columns), adding every
    /// parameter's gradient into <paramref name="g"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(Workspace ws, int rows, int steps, Gradients g)
    {
        if (!Fits(ws, rows, steps)) throw new ArgumentException("the workspace was made for fewer rows or steps, or another network's widths");
        int r4 = (rows + 3) / 4 * 4, chunks = _hq / Lanes;
        var one = Vector256.Create(1f);
        Array.Clear(ws.DhRec);
        Array.Clear(ws.DcRec);
        fixed (float* x = ws.X, act = ws.Act, cAll = ws.C, tcAll = ws.Tc, hAll = ws.H, dz = ws.Dz, dhRec = ws.DhRec, dcRec = ws.DcRec,
               dScores = ws.DScores, whB = _whB, dhh = g.Dhh, dxT = g.DxT)
        {
            for (int t = steps - 1; t >= 0; t--)
            {
                // Head, last layer first: d (R4, OutP) is the gradient of this layer's output.
                float* hT = hAll + (long)t * r4 * _hq;
                float* d = null;
                int dStride = 0;
                for (int l = _head.Length - 1; l >= 0; l--)
                {
                    var layer = _head[l];
                    float* inT;
                    int inStride;
                    if (l == 0) { inT = hT; inStride = _hq; }
                    else fixed (float* prev = ws.A[l - 1]) { inT = prev + (long)t * r4 * _head[l - 1].OutP; inStride = _head[l - 1].OutP; }
                    fixed (float* dOutBuf = ws.D[l], dw = g.DW[l], db = g.DB[l], wb = layer.Wb)
                    {
                        if (l == _head.Length - 1) { d = dScores + (long)t * r4 * layer.OutP; dStride = layer.OutP; }
                        // dW += d^T in, db += sum of d over the rows
                        for (int o = 0; o < layer.OutR; o += 4)
                            for (int gi = 0; gi < layer.InP / 32; gi++)
                                FmaTile.Tile4(d + o, 1, dStride, r4, inT + gi * 32, inStride, dw + o * layer.InP + gi * 32, layer.InP, dw + o * layer.InP + gi * 32, layer.InP);
                        for (int r = 0; r < r4; r++)
                            for (int v = 0; v < layer.OutP; v += Lanes)
                                Avx.Store(db + v, Avx.Add(Avx.LoadVector256(db + v), Avx.LoadVector256(d + r * dStride + v)));
                        // the input's gradient: d W, then through the previous layer's tanh
                        float* dIn = dOutBuf;
                        for (int r = 0; r < r4; r += 4)
                            for (int gi = 0; gi < layer.InP / 32; gi++)
                                FmaTile.Tile4(d + r * dStride, dStride, 1, layer.Out, wb + gi * 32, layer.InP, null, 0, dIn + r * layer.InP + gi * 32, layer.InP);
                        if (l > 0)
                            for (int r = 0; r < r4; r++)
                                for (int v = 0; v < layer.InP; v += Lanes)
                                {
                                    var a = Avx.LoadVector256(inT + r * inStride + v);
                                    Avx.Store(dIn + r * layer.InP + v, Avx.Multiply(Avx.LoadVector256(dIn + r * layer.InP + v), Fma.MultiplyAddNegated(a, a, one)));
                                }
                        d = dIn;
                        dStride = layer.InP;
                    }
                }
                // d is now dh from the head (R4, Hq). The cell, per row and chunk of 8 units.
                float* actT = act + (long)t * r4 * _p, tcT = tcAll + (long)t * r4 * _hq;
                float* cPrev = t == 0 ? null : cAll + (long)(t - 1) * r4 * _hq;
                for (int r = 0; r < r4; r++)
                    for (int j = 0; j < chunks; j++)
                    {
                        long at = (long)r * _hq + j * Lanes;
                        float* a = actT + (long)r * _p + j * 32;
                        var si = Avx.LoadVector256(a); var sf = Avx.LoadVector256(a + 8); var tg = Avx.LoadVector256(a + 16); var so = Avx.LoadVector256(a + 24);
                        var tc = Avx.LoadVector256(tcT + at);
                        var dh = Avx.Add(Avx.LoadVector256(d + at), Avx.LoadVector256(dhRec + at));
                        var dc = Fma.MultiplyAdd(Avx.Multiply(dh, so), Fma.MultiplyAddNegated(tc, tc, one), Avx.LoadVector256(dcRec + at));
                        var cOld = cPrev == null ? Vector256<float>.Zero : Avx.LoadVector256(cPrev + at);
                        float* z = dz + (long)r * _p + j * 32;
                        Avx.Store(z, Avx.Multiply(Avx.Multiply(dc, tg), Avx.Multiply(si, Avx.Subtract(one, si))));
                        Avx.Store(z + 8, Avx.Multiply(Avx.Multiply(dc, cOld), Avx.Multiply(sf, Avx.Subtract(one, sf))));
                        Avx.Store(z + 16, Avx.Multiply(Avx.Multiply(dc, si), Fma.MultiplyAddNegated(tg, tg, one)));
                        Avx.Store(z + 24, Avx.Multiply(Avx.Multiply(dh, tc), Avx.Multiply(so, Avx.Subtract(one, so))));
                        Avx.Store(dcRec + at, Avx.Multiply(dc, sf));
                    }
                // Weight gradients: dWh += dz^T h_{t-1} (nothing at t = 0: h_{-1} = 0), [dWx, db] += [x_t, 1]^T dz.
                float* xt = x + (long)t * r4 * _fp;
                if (t > 0)
                {
                    float* hPrev = hAll + (long)(t - 1) * r4 * _hq;
                    for (int p = 0; p < _p; p += 4)
                        for (int gi = 0; gi < _hq / 32; gi++)
                            FmaTile.Tile4(dz + p, 1, _p, r4, hPrev + gi * 32, _hq, dhh + p * _hq + gi * 32, _hq, dhh + p * _hq + gi * 32, _hq);
                }
                for (int fi = 0; fi < _fp; fi += 4)
                    for (int gi = 0; gi < _p / 32; gi++)
                        FmaTile.Tile4(xt + fi, 1, _fp, r4, dz + gi * 32, _p, dxT + fi * _p + gi * 32, _p, dxT + fi * _p + gi * 32, _p);
                // dh_{t-1} = dz Wh^T (the recurrent part of the next, earlier step's dh).
                if (t > 0)
                    for (int r = 0; r < r4; r += 4)
                        for (int gi = 0; gi < _hq / 32; gi++)
                            FmaTile.Tile4(dz + (long)r * _p, _p, 1, _p, whB + gi * 32, _hq, null, 0, dhRec + r * _hq + gi * 32, _hq);
            }
        }
    }
}
