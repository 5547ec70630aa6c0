using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LatentLab.Imitation.Simd;

namespace LatentLab.Reinforcement.Simd;

/// <summary>
/// The forward and backward pass of ONE seed's MLP of a <see cref="BatchedMlp"/> over n rows, by hand on the CPU
/// (AVX2 + FMA), no torch ops and no autograd graph: h_{l+1} = act(h_l W_l + b_l), the last layer linear. The weights are
/// read in place from the stacked parameters (W (S, in, out), b (S, 1, out), row-major: seed s's W_l is a row-major
/// (in x out) matrix); the gradients are written (not added) into the stacked .grad tensors' memory. The activations of the
/// last forward pass are kept for the backward pass. tanh is <see cref="LstmActivations.TanhInPlace"/> (absolute error ~2e-7). Products: a 4-row x 16-column micro-kernel (8 accumulators) for outputs
/// of 8 columns or more, dot products over the inputs for narrower ones (the heads: 4 logits, 1 value).
/// Floating-point sums run in another order than libtorch's, so results differ from the torch path in the last bits.
/// </summary>
internal sealed unsafe class StackedMlpKernel : IDisposable
{
    readonly int[] _sizes;
    readonly bool _relu;
    readonly int _capacity;                        // rows
    readonly float*[] _act;                        // per layer l: (rows x sizes[l]); _act[0] is the input the caller fills
    readonly float* _gradA, _gradB;                // (rows x widest) backward ping-pong
    readonly float* _transposed;                   // (widest x widest) a transposed weight
    readonly List<IntPtr> _blocks = [];

    /// <summary>Whether the CPU can run the kernel (AVX2 and FMA).</summary>
    public static bool Supported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Off: the RL trainers started on this thread take the torch path throughout (the tests compare both). Per thread, so
    /// a test that switches it off does not change the path of a run on another thread (a test class running in parallel
    /// whose interrupted and clean runs must give the same bits: a process-wide switch did, in CI).
    /// </summary>
    internal static bool Enabled { get => !_disabled; set => _disabled = !value; }
    [ThreadStatic] static bool _disabled;

    /// <summary>
    /// <paramref name="network"/> as a <see cref="BatchedMlp"/> that the hand-written updates can run in place: the kernel
    /// enabled and supported, the device the CPU, no output hook, float32 contiguous parameters; else null (the torch path).
    /// </summary>
    public static BatchedMlp? Runnable(object? network, TorchSharp.torch.Device device)
    {
        if (!Enabled || !Supported || device.type != TorchSharp.DeviceType.CPU) return null;
        if (network is not BatchedMlp { OutputHook: null } net) return null;
        return net.parameters().All(t => t.dtype == TorchSharp.torch.ScalarType.Float32 && t.is_contiguous()) ? net : null;
    }

    [ThreadStatic] static int _inferenceScopes;

    /// <summary>
    /// While the result is not disposed, every forward pass of a <see cref="BatchedMlp"/> without gradients on this thread
    /// (no output hook, float32 on the CPU) runs on this kernel (<see cref="BatchedMlp"/>.forward): what PPO and GRPO open
    /// around a run, for the rollouts, the critic's values and the exact evaluations.
    /// </summary>
    public static InferenceScope ForInference() => new(Enabled && Supported);

    /// <summary>Whether a <see cref="ForInference"/> scope is open on this thread.</summary>
    internal static bool InferenceActive => _inferenceScopes > 0;

    /// <summary>See <see cref="ForInference"/>.</summary>
    public readonly struct InferenceScope : IDisposable
    {
        readonly bool _open;

        internal InferenceScope(bool open)
        {
            _open = open;
            if (open) _inferenceScopes++;
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (_open) _inferenceScopes--;
        }
    }

    /// <summary>Rows per block of an inference pass (its activations stay in the L2 cache).</summary>
    internal const int InferenceRows = 256;

    /// <summary>
    /// y (S', N, out) = the MLP of <paramref name="weights"/> / <paramref name="biases"/> (stacked over <paramref name="seeds"/>)
    /// on x (S', N, in), both contiguous: seed s of the input uses the network s, or network 0 for all when seeds = 1.
    /// </summary>
    public static void Infer(int[] sizes, bool relu, float*[] weights, float*[] biases, int seeds, float* x, float* y, int inputSeeds, long rows)
    {
        using var kernel = new StackedMlpKernel(sizes, relu, (int)Math.Min(rows, InferenceRows));
        int input = sizes[0], output = sizes[^1];
        for (int s = 0; s < inputSeeds; s++)
            for (long r = 0; r < rows; r += InferenceRows)
            {
                int n = (int)Math.Min(InferenceRows, rows - r);
                long first = (long)s * rows + r;
                kernel.Forward(weights, biases, seeds == 1 ? 0 : s, n, x + first * input, y + first * output);
            }
    }

    /// <param name="sizes">Layer sizes: input, hidden..., output.</param>
    /// <param name="relu">Hidden nonlinearity ReLU (else tanh).</param>
    /// <param name="rows">Most rows per pass.</param>
    public StackedMlpKernel(int[] sizes, bool relu, int rows)
    {
        _sizes = sizes;
        _relu = relu;
        _capacity = rows;
        int widest = sizes.Max();
        _act = new float*[sizes.Length];
        for (int l = 0; l < sizes.Length; l++) _act[l] = Alloc((long)rows * sizes[l]);
        _gradA = Alloc((long)rows * widest);
        _gradB = Alloc((long)rows * widest);
        _transposed = Alloc((long)widest * widest);
    }

    float* Alloc(long floats)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(floats, 8) * sizeof(float)), 64);
        _blocks.Add((IntPtr)p);
        return p;
    }

    /// <summary>The input rows (rows x sizes[0]) the caller fills before <see cref="Forward"/>.</summary>
    public float* Input => _act[0];

    /// <summary>The output of the last forward pass (n x sizes[^1]).</summary>
    public float* Output => _act[^1];

    /// <summary>Forward pass of seed <paramref name="seed"/> over the first <paramref name="n"/> input rows.</summary>
    /// <param name="weights">Per layer: the stacked (S, in, out) weight's first element.</param>
    /// <param name="biases">Per layer: the stacked (S, 1, out) bias's first element.</param>
    /// <param name="input">Optional: read the input rows from here instead of <see cref="Input"/> (no backward pass then).</param>
    /// <param name="output">Optional: write the output rows here instead of <see cref="Output"/>.</param>
    public void Forward(float*[] weights, float*[] biases, int seed, int n, float* input = null, float* output = null)
    {
        if (n > _capacity) throw new ArgumentOutOfRangeException(nameof(n), $"{n} rows, room for {_capacity}.");
        int layers = _sizes.Length - 1;
        for (int l = 0; l < layers; l++)
        {
            int k = _sizes[l], m = _sizes[l + 1];
            float* w = weights[l] + (long)seed * k * m, b = biases[l] + (long)seed * m;
            float* from = l == 0 && input is not null ? input : _act[l];
            float* to = l == layers - 1 && output is not null ? output : _act[l + 1];
            if (m >= 8) MatMul(from, n, k, w, m, b, to);
            else
            {
                Transpose(w, k, m, _transposed);
                MatMulSmall(from, n, k, _transposed, m, b, to);
            }
            if (l < layers - 1) Activate(to, (long)n * m);
        }
    }

    /// <summary>
    /// Backward pass of the last <see cref="Forward"/>: <paramref name="gradOutput"/> (n x sizes[^1]) is dLoss/dOutput; writes
    /// dLoss/dW and dLoss/db of seed <paramref name="seed"/> into the stacked gradient tensors (overwriting them).
    /// </summary>
    public void Backward(float* gradOutput, float*[] weights, float*[] weightGrads, float*[] biasGrads, int seed, int n)
    {
        int layers = _sizes.Length - 1;
        float* g = gradOutput;
        for (int l = layers - 1; l >= 0; l--)
        {
            int k = _sizes[l], m = _sizes[l + 1];
            float* dw = weightGrads[l] + (long)seed * k * m, db = biasGrads[l] + (long)seed * m;
            MatMulAtB(_act[l], n, k, g, m, dw);                                    // dW = h_l^T g  (k x m)
            ColumnSums(g, n, m, db);                                               // db = sum over rows of g
            if (l == 0) break;
            float* prev = g == _gradA ? _gradB : _gradA;
            float* w = weights[l] + (long)seed * k * m;
            // dh_l = g W_l^T (n x k): W_l (k x m) is W_l^T's transpose, so a product with "B^T" = W_l; k < 8 takes dot products.
            if (k >= 8)
            {
                Transpose(w, k, m, _transposed);                                   // (m x k)
                MatMul(g, n, m, _transposed, k, null, prev);
            }
            else MatMulSmall(g, n, m, w, k, null, prev);
            ActivationGrad(prev, _act[l], (long)n * k);
            g = prev;
        }
    }

    void Activate(float* h, long count)
    {
        if (!_relu)
        {
            LstmActivations.TanhInPlace(h, count);
            return;
        }
        long i = 0;
        for (; i + 8 <= count; i += 8) Avx.Store(h + i, Avx.Max(Avx.LoadVector256(h + i), Vector256<float>.Zero));
        for (; i < count; i++) h[i] = h[i] > 0 ? h[i] : 0f;
    }

    /// <summary>g *= act'(z) from the stored post-activation h: tanh 1 - h^2, ReLU [h &gt; 0].</summary>
    void ActivationGrad(float* g, float* h, long count)
    {
        long i = 0;
        var one = Vector256.Create(1f);
        if (_relu)
        {
            for (; i + 8 <= count; i += 8)
            {
                var mask = Avx.CompareGreaterThan(Avx.LoadVector256(h + i), Vector256<float>.Zero);
                Avx.Store(g + i, Avx.And(Avx.LoadVector256(g + i), mask));
            }
            for (; i < count; i++) g[i] = h[i] > 0 ? g[i] : 0f;
        }
        else
        {
            for (; i + 8 <= count; i += 8)
            {
                var hv = Avx.LoadVector256(h + i);
                Avx.Store(g + i, Avx.Multiply(Avx.LoadVector256(g + i), Fma.MultiplyAddNegated(hv, hv, one)));   // g (1 - h h)
            }
            for (; i < count; i++) g[i] *= 1f - h[i] * h[i];
        }
    }

    static void Transpose(float* src, int rows, int cols, float* dst)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[(long)c * rows + r] = src[(long)r * cols + c];
    }

    static void ColumnSums(float* g, int n, int m, float* dst)
    {
        for (int j = 0; j < m; j++) dst[j] = 0f;
        for (int i = 0; i < n; i++)
        {
            float* row = g + (long)i * m;
            int j = 0;
            for (; j + 8 <= m; j += 8) Avx.Store(dst + j, Avx.Add(Avx.LoadVector256(dst + j), Avx.LoadVector256(row + j)));
            for (; j < m; j++) dst[j] += row[j];
        }
    }

    /// <summary>C (n x m) = A (n x k) B (k x m) + bias (null: none), all row-major; m &gt;= 8 uses the vector micro-kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MatMul(float* a, int n, int k, float* b, int m, float* bias, float* c)
    {
        int j = 0;
        for (; j + 16 <= m; j += 16)
        {
            var z0 = bias is null ? Vector256<float>.Zero : Avx.LoadVector256(bias + j);
            var z1 = bias is null ? Vector256<float>.Zero : Avx.LoadVector256(bias + j + 8);
            int i = 0;
            for (; i + 4 <= n; i += 4)
            {
                Vector256<float> c00 = z0, c01 = z1, c10 = z0, c11 = z1, c20 = z0, c21 = z1, c30 = z0, c31 = z1;
                float* a0 = a + (long)i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k, bk = b + j;
                for (int q = 0; q < k; q++, bk += m)
                {
                    var w0 = Avx.LoadVector256(bk);
                    var w1 = Avx.LoadVector256(bk + 8);
                    var x = Vector256.Create(a0[q]);
                    c00 = Fma.MultiplyAdd(x, w0, c00); c01 = Fma.MultiplyAdd(x, w1, c01);
                    x = Vector256.Create(a1[q]);
                    c10 = Fma.MultiplyAdd(x, w0, c10); c11 = Fma.MultiplyAdd(x, w1, c11);
                    x = Vector256.Create(a2[q]);
                    c20 = Fma.MultiplyAdd(x, w0, c20); c21 = Fma.MultiplyAdd(x, w1, c21);
                    x = Vector256.Create(a3[q]);
                    c30 = Fma.MultiplyAdd(x, w0, c30); c31 = Fma.MultiplyAdd(x, w1, c31);
                }
                float* ci = c + (long)i * m + j;
                Avx.Store(ci, c00); Avx.Store(ci + 8, c01); ci += m;
                Avx.Store(ci, c10); Avx.Store(ci + 8, c11); ci += m;
                Avx.Store(ci, c20); Avx.Store(ci + 8, c21); ci += m;
                Avx.Store(ci, c30); Avx.Store(ci + 8, c31);
            }
            for (; i < n; i++)
            {
                Vector256<float> c0 = z0, c1 = z1;
                float* ai = a + (long)i * k, bk = b + j;
                for (int q = 0; q < k; q++, bk += m)
                {
                    var x = Vector256.Create(ai[q]);
                    c0 = Fma.MultiplyAdd(x, Avx.LoadVector256(bk), c0);
                    c1 = Fma.MultiplyAdd(x, Avx.LoadVector256(bk + 8), c1);
                }
                Avx.Store(c + (long)i * m + j, c0);
                Avx.Store(c + (long)i * m + j + 8, c1);
            }
        }
        for (; j + 8 <= m; j += 8)
        {
            var z0 = bias is null ? Vector256<float>.Zero : Avx.LoadVector256(bias + j);
            for (int i = 0; i < n; i++)
            {
                var c0 = z0;
                float* ai = a + (long)i * k, bk = b + j;
                for (int q = 0; q < k; q++, bk += m) c0 = Fma.MultiplyAdd(Vector256.Create(ai[q]), Avx.LoadVector256(bk), c0);
                Avx.Store(c + (long)i * m + j, c0);
            }
        }
        for (; j < m; j++)
            for (int i = 0; i < n; i++)
            {
                float s = bias is null ? 0f : bias[j];
                float* ai = a + (long)i * k;
                for (int q = 0; q < k; q++) s = MathF.FusedMultiplyAdd(ai[q], b[(long)q * m + j], s);
                c[(long)i * m + j] = s;
            }
    }

    /// <summary>C (n x m) = A (n x k) Bt^T + bias, Bt (m x k) row-major: one dot product over k per output (narrow outputs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MatMulSmall(float* a, int n, int k, float* bt, int m, float* bias, float* c)
    {
        for (int i = 0; i < n; i++)
        {
            float* ai = a + (long)i * k;
            for (int j = 0; j < m; j++)
            {
                float* bj = bt + (long)j * k;
                var acc = Vector256<float>.Zero;
                int q = 0;
                for (; q + 8 <= k; q += 8) acc = Fma.MultiplyAdd(Avx.LoadVector256(ai + q), Avx.LoadVector256(bj + q), acc);
                float s = Vector256.Sum(acc);
                for (; q < k; q++) s = MathF.FusedMultiplyAdd(ai[q], bj[q], s);
                c[(long)i * m + j] = s + (bias is null ? 0f : bias[j]);
            }
        }
    }

    /// <summary>C (k x m) = A^T B for A (n x k), B (n x m), row-major (a weight's gradient: h^T g).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MatMulAtB(float* a, int n, int k, float* b, int m, float* c)
    {
        if (m < 8)
        {
            // Narrow B (a head's gradient): vectors run along k instead, 8 rows of C at a time.
            int p = 0;
            for (; p + 8 <= k; p += 8)
                for (int j = 0; j < m; j++)
                {
                    var acc = Vector256<float>.Zero;
                    for (int i = 0; i < n; i++) acc = Fma.MultiplyAdd(Avx.LoadVector256(a + (long)i * k + p), Vector256.Create(b[(long)i * m + j]), acc);
                    for (int lane = 0; lane < 8; lane++) c[(long)(p + lane) * m + j] = acc.GetElement(lane);
                }
            for (; p < k; p++)
                for (int j = 0; j < m; j++)
                {
                    float s = 0f;
                    for (int i = 0; i < n; i++) s = MathF.FusedMultiplyAdd(a[(long)i * k + p], b[(long)i * m + j], s);
                    c[(long)p * m + j] = s;
                }
            return;
        }
        int col = 0;
        for (; col + 16 <= m; col += 16)
        {
            int r = 0;
            for (; r + 4 <= k; r += 4)
            {
                Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
                float* ai = a + r, bi = b + col;
                for (int i = 0; i < n; i++, ai += k, bi += m)
                {
                    var w0 = Avx.LoadVector256(bi);
                    var w1 = Avx.LoadVector256(bi + 8);
                    var x = Vector256.Create(ai[0]);
                    c00 = Fma.MultiplyAdd(x, w0, c00); c01 = Fma.MultiplyAdd(x, w1, c01);
                    x = Vector256.Create(ai[1]);
                    c10 = Fma.MultiplyAdd(x, w0, c10); c11 = Fma.MultiplyAdd(x, w1, c11);
                    x = Vector256.Create(ai[2]);
                    c20 = Fma.MultiplyAdd(x, w0, c20); c21 = Fma.MultiplyAdd(x, w1, c21);
                    x = Vector256.Create(ai[3]);
                    c30 = Fma.MultiplyAdd(x, w0, c30); c31 = Fma.MultiplyAdd(x, w1, c31);
                }
                float* cr = c + (long)r * m + col;
                Avx.Store(cr, c00); Avx.Store(cr + 8, c01); cr += m;
                Avx.Store(cr, c10); Avx.Store(cr + 8, c11); cr += m;
                Avx.Store(cr, c20); Avx.Store(cr + 8, c21); cr += m;
                Avx.Store(cr, c30); Avx.Store(cr + 8, c31);
            }
            for (; r < k; r++)
            {
                Vector256<float> c0 = default, c1 = default;
                float* ai = a + r, bi = b + col;
                for (int i = 0; i < n; i++, ai += k, bi += m)
                {
                    var x = Vector256.Create(ai[0]);
                    c0 = Fma.MultiplyAdd(x, Avx.LoadVector256(bi), c0);
                    c1 = Fma.MultiplyAdd(x, Avx.LoadVector256(bi + 8), c1);
                }
                Avx.Store(c + (long)r * m + col, c0);
                Avx.Store(c + (long)r * m + col + 8, c1);
            }
        }
        for (; col + 8 <= m; col += 8)
            for (int r = 0; r < k; r++)
            {
                var c0 = Vector256<float>.Zero;
                float* ai = a + r, bi = b + col;
                for (int i = 0; i < n; i++, ai += k, bi += m) c0 = Fma.MultiplyAdd(Vector256.Create(ai[0]), Avx.LoadVector256(bi), c0);
                Avx.Store(c + (long)r * m + col, c0);
            }
        for (; col < m; col++)
            for (int r = 0; r < k; r++)
            {
                float s = 0f;
                for (int i = 0; i < n; i++) s = MathF.FusedMultiplyAdd(a[(long)i * k + r], b[(long)i * m + col], s);
                c[(long)r * m + col] = s;
            }
    }

    public void Dispose()
    {
        foreach (var p in _blocks) NativeMemory.AlignedFree((void*)p);
        _blocks.Clear();
    }
}
