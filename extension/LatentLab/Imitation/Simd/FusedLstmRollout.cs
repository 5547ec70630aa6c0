using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentLab.Imitation.Simd;

/// <summary>
/// One step of C stacked student copies (LSTM layers, then a Linear head with tanh between its layers) over all their
/// rows, fused into one pass per block of rows on the CPU: inference only, no torch ops. A row is one LSTM sequence
/// (per-arm: episode x arm; joint: episode); copy c owns rows c*N .. c*N+N-1, N rows per copy.
///
/// Layout. Hidden units are padded to Hp, a multiple of 8, and the gate columns are regrouped by eight units:
/// chunk j of a layer holds [i, f, g, o] of units 8j..8j+7 (4 x 8 floats), so one micro-kernel pass computes every gate
/// of eight units for 4 rows (16 accumulators) and the cell update runs on them straight away. Padded units have zero
/// weights and bias: their gates are 0, so c and h stay exactly 0 and add nothing downstream. The matrix products
/// accumulate bias + sum_k x_k W_k over the inputs, then over the recurrent state, each k in turn with one fused
/// multiply-add per output: the same operations for every row, so rows with the same history get the same bits
/// (the arm-tie rule relies on it), whatever their position, block or thread. The scalar path (no AVX2+FMA) performs
/// exactly the same operations, so both give the same numbers.
/// </summary>
internal sealed unsafe class FusedLstmRollout
{
    const int Lanes = 8, Rows = 4;                                  // rows per micro-kernel pass

    readonly int _copies, _inputs, _hidden, _hp, _layers;
    readonly float[][] _wx, _wh, _b;                               // per layer: (C, Hp/8, D, 32), (C, Hp/8, H, 32), (C, Hp/8, 32)
    readonly float[][] _headW, _headB;                             // per head layer: (C, Op/32, in, 32), (C, Op); last layer of 1 output: (C, inP) and (C, 1)
    readonly int[] _headIn, _headOut, _headOutP;                   // actual input, actual output, padded output sizes
    readonly bool _dotLast;                                        // the last head layer has one output: a dot product per row
    readonly int _widest;                                          // widest activation row: max(Hp, padded head outputs)
    readonly int _scratch;                                         // floats of scratch per worker

    /// <summary>Whether this instance runs the AVX2+FMA code (otherwise the scalar code with the same numbers).</summary>
    public bool Vector { get; }

    /// <summary>Whether the cell updates and the head's tanh run sixteen lanes at a time (AVX-512; the same numbers).</summary>
    public bool Wide { get; }

    /// <summary>Outputs per row (1 per-arm, K joint).</summary>
    public int Outputs { get; }

    /// <param name="wih">Per layer: copy-major W_ih^T, (C, D, 4H) flattened (D = inputs for layer 0, H above).</param>
    /// <param name="whh">Per layer: W_hh^T, (C, H, 4H).</param>
    /// <param name="bias">Per layer: b_ih + b_hh, (C, 4H).</param>
    /// <param name="headW">Per head Linear: W^T, (C, in, out).</param>
    /// <param name="headB">Per head Linear: (C, out).</param>
    public FusedLstmRollout(int copies, int inputs, int hidden, float[][] wih, float[][] whh, float[][] bias,
        (int In, int Out)[] headShapes, float[][] headW, float[][] headB, bool vector, bool wide = true)
    {
        Vector = vector && LstmActivations.VectorSupported;
        Wide = Vector && wide && LstmActivations.WideSupported;
        _copies = copies;
        _inputs = inputs;
        _hidden = hidden;
        _hp = (hidden + Lanes - 1) / Lanes * Lanes;
        _layers = wih.Length;
        int chunks = _hp / Lanes, h4 = 4 * hidden;
        _wx = new float[_layers][];
        _wh = new float[_layers][];
        _b = new float[_layers][];
        for (int l = 0; l < _layers; l++)
        {
            int d = l == 0 ? inputs : hidden;
            _wx[l] = Pinned((long)copies * chunks * d * 32);
            _wh[l] = Pinned((long)copies * chunks * hidden * 32);
            _b[l] = Pinned((long)copies * chunks * 32);
            for (int c = 0; c < copies; c++)
                for (int j = 0; j < chunks; j++)
                    for (int slot = 0; slot < 32; slot++)
                    {
                        int column = FmaTile.GateColumn(j, slot, hidden);   // nn.LSTM's gate order i, f, g, o
                        if (column < 0) continue;                           // padding: zero
                        for (int k = 0; k < d; k++)
                            _wx[l][(((long)c * chunks + j) * d + k) * 32 + slot] = wih[l][((long)c * d + k) * h4 + column];
                        for (int k = 0; k < hidden; k++)
                            _wh[l][(((long)c * chunks + j) * hidden + k) * 32 + slot] = whh[l][((long)c * hidden + k) * h4 + column];
                        _b[l][((long)c * chunks + j) * 32 + slot] = bias[l][(long)c * h4 + column];
                    }
        }
        int layersHead = headShapes.Length;
        _headIn = headShapes.Select(s => s.In).ToArray();
        _headOut = headShapes.Select(s => s.Out).ToArray();
        _headOutP = _headOut.Select(o => (o + 31) / 32 * 32).ToArray();    // whole micro-kernel groups of 32 outputs (zero padding)
        Outputs = _headOut[^1];
        _dotLast = Outputs == 1;
        _headW = new float[layersHead][];
        _headB = new float[layersHead][];
        for (int j = 0; j < layersHead; j++)
        {
            int inSize = _headIn[j], outSize = _headOut[j];
            if (j == layersHead - 1 && _dotLast)
            {
                int inP = (inSize + Lanes - 1) / Lanes * Lanes;                 // the input row is padded with zeros
                _headW[j] = Pinned((long)copies * inP);
                _headB[j] = Pinned(copies);
                for (int c = 0; c < copies; c++)
                {
                    for (int k = 0; k < inSize; k++) _headW[j][(long)c * inP + k] = headW[j][(long)c * inSize + k];
                    _headB[j][c] = headB[j][c];
                }
                continue;
            }
            int outP = _headOutP[j], groups = outP / 32;
            _headW[j] = Pinned((long)copies * outP * inSize);
            _headB[j] = Pinned((long)copies * outP);
            for (int c = 0; c < copies; c++)
                for (int o = 0; o < outSize; o++)
                {
                    for (int k = 0; k < inSize; k++)
                        _headW[j][(((long)c * groups + o / 32) * inSize + k) * 32 + o % 32] = headW[j][((long)c * inSize + k) * outSize + o];
                    _headB[j][(long)c * outP + o] = headB[j][(long)c * outSize + o];
                }
        }
        _widest = Math.Max(_hp, _headOutP.Max());
        _scratch = Rows * 32 + 2 * Rows * _widest;                           // gate pre-activations, two activation buffers
    }

    static float[] Pinned(long n) => GC.AllocateArray<float>(checked((int)n), pinned: true);

    /// <summary>Padded hidden width of a state row.</summary>
    public int PaddedHidden => _hp;

    /// <summary>A new zero state: per layer h and c, (C*N, Hp) each.</summary>
    public (float[][] H, float[][] C) NewState(long totalRows)
    {
        var h = new float[_layers][];
        var c = new float[_layers][];
        for (int l = 0; l < _layers; l++) { h[l] = Pinned(totalRows * _hp); c[l] = Pinned(totalRows * _hp); }
        return (h, c);
    }

    /// <summary>A worker's scratch memory (one per thread).</summary>
    public float[] NewScratch() => Pinned(_scratch);

    /// <summary>
    /// Steps rows [r0, r1) (none may straddle two copies' boundary inside a 4-row pass: the caller splits by copy) of
    /// copy <paramref name="copy"/>: reads x (rows, inputs), updates h and c, writes scores (rows, Outputs).
    /// <paramref name="first"/>: the state is zero, so the recurrent products are skipped (they would add exact zeros).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step(int copy, long r0, long r1, float* x, float[][] h, float[][] c, float* scores, bool first, float[] scratch)
    {
        fixed (float* s = scratch)
        {
            float* pre = s, actA = s + Rows * 32, actB = actA + Rows * _widest;
            for (long r = r0; r < r1; r += Rows)
            {
                int n = (int)Math.Min(Rows, r1 - r);
                float* input = x + r * _inputs;
                int inStride = _inputs, d = _inputs;
                for (int l = 0; l < _layers; l++)
                {
                    fixed (float* hl = h[l], cl = c[l], wx = _wx[l], wh = _wh[l], bl = _b[l])
                    {
                        float* hRows = hl + r * _hp, cRows = cl + r * _hp;
                        Cell(copy, n, input, inStride, d, hRows, cRows, first, wx, wh, bl, pre, actA);
                        for (int i = 0; i < n; i++)                       // the new h over the old (the old is no longer read)
                            new Span<float>(actA + i * _hp, _hp).CopyTo(new Span<float>(hRows + i * _hp, _hp));
                        input = hRows;
                        inStride = _hp;
                        d = _hidden;
                    }
                }
                // Head: input = top layer's new h (n, Hp), zero-padded beyond H.
                float* act = input;
                int actStride = _hp;
                for (int j = 0; j < _headW.Length; j++)
                {
                    bool last = j == _headW.Length - 1;
                    fixed (float* w = _headW[j], b = _headB[j])
                    {
                        if (last && _dotLast)
                        {
                            int inP = (_headIn[j] + Lanes - 1) / Lanes * Lanes;
                            for (int i = 0; i < n; i++)
                                scores[r + i] = Dot(act + i * actStride, w + (long)copy * inP, inP) + b[copy];
                            break;
                        }
                        float* dst = act == actA ? actB : actA;
                        int outP = _headOutP[j];
                        Linear(copy, n, act, actStride, _headIn[j], w, b, outP, dst, tanh: !last);
                        if (last)
                            for (int i = 0; i < n; i++)
                                for (int o = 0; o < Outputs; o++) scores[(r + i) * Outputs + o] = dst[i * outP + o];
                        act = dst;
                        actStride = outP;
                    }
                }
            }
        }
    }

    /// <summary>The LSTM cell for n (1..4) rows: gates = b + x W_x + h W_h per 8-unit chunk, then c and h; new h to hNew (n, Hp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Cell(int copy, int n, float* x, int xStride, int d, float* h, float* c, bool first, float* wx, float* wh, float* b, float* pre, float* hNew)
    {
        int chunks = _hp / Lanes;
        for (int j = 0; j < chunks; j++)
        {
            long cj = (long)copy * chunks + j;
            float* wxj = wx + cj * d * 32, whj = wh + cj * _hidden * 32, bj = b + cj * 32;
            if (Vector)
            {
                if (n == Rows) Gates4(x, xStride, d, wxj, first ? null : h, _hp, _hidden, whj, bj, pre, 32);
                else for (int i = 0; i < n; i++) Gates1(x + i * xStride, d, wxj, first ? null : h + i * _hp, _hidden, whj, bj, pre + i * 32);
                int row = 0;
                if (Wide)                                           // two rows per sixteen-lane pass: the same bits, twice the lanes
                    for (; row + 2 <= n; row += 2) Update<Avx512Lanes, Vector512<float>>(pre + row * 32, c + row * _hp + j * Lanes, hNew + row * _hp + j * Lanes, _hp);
                for (; row < n; row++) Update<Avx2Lanes, Vector256<float>>(pre + row * 32, c + row * _hp + j * Lanes, hNew + row * _hp + j * Lanes, _hp);
            }
            else
                for (int i = 0; i < n; i++)
                {
                    GatesScalar(x + i * xStride, d, wxj, first ? null : h + i * _hp, _hidden, whj, bj, pre + i * 32);
                    UpdateScalar(pre + i * 32, c + i * _hp + j * Lanes, hNew + i * _hp + j * Lanes);
                }
        }
    }

    /// <summary>Gate pre-activations of one chunk for 4 rows: pre (4, 32) = b + sum_k x_k wx_k (+ sum_k h_k wh_k), each sum in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Gates4(float* x, int xs, int d, float* wx, float* h, int hs, int hd, float* wh, float* b, float* pre, int ps)
    {
        FmaTile.Tile4(x, xs, 1, d, wx, 32, b, 0, pre, ps, h, hs, hd, wh);
    }

    /// <summary><see cref="Gates4"/> for one row (the same operations per element).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Gates1(float* x, int d, float* wx, float* h, int hd, float* wh, float* b, float* pre)
    {
        var a0 = Avx.LoadVector256(b); var a1 = Avx.LoadVector256(b + 8); var a2 = Avx.LoadVector256(b + 16); var a3 = Avx.LoadVector256(b + 24);
        for (int pass = 0; pass < 2; pass++)
        {
            float* src = pass == 0 ? x : h;
            float* w = pass == 0 ? wx : wh;
            int depth = pass == 0 ? d : hd;
            if (src == null) break;
            for (int k = 0; k < depth; k++)
            {
                float* wk = w + k * 32;
                var v = Avx.BroadcastScalarToVector256(src + k);
                a0 = Fma.MultiplyAdd(v, Avx.LoadVector256(wk), a0); a1 = Fma.MultiplyAdd(v, Avx.LoadVector256(wk + 8), a1);
                a2 = Fma.MultiplyAdd(v, Avx.LoadVector256(wk + 16), a2); a3 = Fma.MultiplyAdd(v, Avx.LoadVector256(wk + 24), a3);
            }
        }
        Avx.Store(pre, a0); Avx.Store(pre + 8, a1); Avx.Store(pre + 16, a2); Avx.Store(pre + 24, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void GatesScalar(float* x, int d, float* wx, float* h, int hd, float* wh, float* b, float* pre)
    {
        for (int o = 0; o < 32; o++) pre[o] = b[o];
        for (int pass = 0; pass < 2; pass++)
        {
            float* src = pass == 0 ? x : h;
            float* w = pass == 0 ? wx : wh;
            int depth = pass == 0 ? d : hd;
            if (src == null) break;
            for (int k = 0; k < depth; k++)
            {
                float v = src[k];
                float* wk = w + k * 32;
                for (int o = 0; o < 32; o++) pre[o] = MathF.FusedMultiplyAdd(v, wk[o], pre[o]);
            }
        }
    }

    /// <summary>
    /// The cell update of a chunk of 8 units (<see cref="LstmActivations.Cell{L, V}"/>): pre holds the row's [i, f, g, o]
    /// (32 floats), c the old c, h receives the new h. One vector of <typeparamref name="L"/> is one unit (scalar), one row's
    /// eight units (AVX2) or two rows' (AVX-512: the second row's pre 32 floats on, its c and h <paramref name="stride"/> on).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Update<L, V>(float* pre, float* c, float* h, int stride) where L : ILanes<V> where V : struct
    {
        var (cNew, hNew) = LstmActivations.Cell<L, V>(L.Load(pre, 32), L.Load(pre + 8, 32), L.Load(pre + 16, 32), L.Load(pre + 24, 32), L.Load(c, stride));
        L.Store(c, stride, cNew);
        L.Store(h, stride, hNew);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void UpdateScalar(float* pre, float* c, float* h)
    {
        for (int u = 0; u < Lanes; u++) Update<ScalarLanes, float>(pre + u, c + u, h + u, 0);
    }

    /// <summary>A head Linear for n rows: dst (n, outP) = b + act W (then tanh), per group of 32 outputs, the inputs in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Linear(int copy, int n, float* act, int actStride, int inSize, float* w, float* b, int outP, float* dst, bool tanh)
    {
        int groups = outP / 32;
        for (int j = 0; j < groups; j++)
        {
            float* wj = w + ((long)copy * groups + j) * inSize * 32, bj = b + (long)copy * outP + j * 32, dj = dst + j * 32;
            if (Vector)
            {
                if (n == Rows) Gates4(act, actStride, inSize, wj, null, 0, 0, null, bj, dj, outP);
                else for (int i = 0; i < n; i++) Gates1(act + i * actStride, inSize, wj, null, 0, null, bj, dj + i * outP);
            }
            else
                for (int i = 0; i < n; i++) GatesScalar(act + i * actStride, inSize, wj, null, 0, null, bj, dj + i * outP);
            if (tanh)
                for (int i = 0; i < n; i++) LstmActivations.TanhInPlace(dj + i * outP, 32, Vector, Wide);
        }
    }

    /// <summary>sum_k a_k w_k over inP (a multiple of 8) in eight lanes, then lanes (i, i+4), (i, i+2), (0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    float Dot(float* a, float* w, int inP)
    {
        if (Vector) return FmaTile.Dot(a, w, inP);
        float* lanes = stackalloc float[Lanes];
        for (int u = 0; u < Lanes; u++) lanes[u] = 0f;
        for (int k = 0; k < inP; k += Lanes)
            for (int u = 0; u < Lanes; u++) lanes[u] = MathF.FusedMultiplyAdd(a[k + u], w[k + u], lanes[u]);
        float s0 = lanes[0] + lanes[4], s1 = lanes[1] + lanes[5], s2 = lanes[2] + lanes[6], s3 = lanes[3] + lanes[7];
        return (s0 + s2) + (s1 + s3);
    }
}
