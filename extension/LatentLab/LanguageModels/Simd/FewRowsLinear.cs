using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.LanguageModels.Simd;

/// <summary>
/// y (M, N) = x (M, K) W (N, K)^T + b for the few rows of a decoding step (M = batch size, at most <see cref="MaxRows"/>),
/// on the CPU, float32 or bfloat16 weights, in C# with AVX2+FMA: the weight is streamed once, row by row of W, and every
/// output is one dot product of length K.
/// <para>
/// Why: at a few rows a projection is a pass over the weight. MKL's sgemm packs the weight panel by panel at 8 rows
/// (1.33 ms CPU per 12.6 MB weight against 0.29 ms at one row, docs/llm-speed.md), and libtorch has no bfloat16 kernel
/// on CPUs without AVX-512 BF16 (a bfloat16 prefill of 1 x 128 then took 4x float32's CPU time). Here a bfloat16 weight
/// is widened to float32 in registers (a 16-bit shift), so decoding reads half the bytes.
/// </para>
/// <para>
/// Numbers. Every output is computed the same way wherever it runs: a float32 accumulator of 8 lanes over k = 0, 8, 16,
/// ... (one fused multiply-add per step), the 8 lanes summed in a fixed order, the tail k &gt;= K - K % 8 added one by one,
/// then the bias. So a row's outputs do not depend on the other rows of the batch, on the thread count, on which
/// micro-kernel computed them (8 columns x 1 row, 2 x 4, 2 x 1, 1 x 1), or on the CPU model (no approximate instructions). They differ from MKL's in the last bits
/// (another summation order): the fixture tests against transformers' outputs hold either way. A bfloat16 input is
/// widened to float32 first and the float32 result rounded to bfloat16 once (round to nearest even), as libtorch's own
/// bfloat16 matmul accumulates in float32.
/// </para>
/// The columns are shared out over torch's thread count (contiguous ranges, one per thread). Set
/// LATENTLAB_LLM_TORCH_LINEAR=1 to use F.linear everywhere (for comparisons).
/// </summary>
internal static unsafe class FewRowsLinear
{
    /// <summary>Largest row count (batch x new tokens) this kernel takes; more rows go to F.linear (MKL's sgemm).</summary>
    public const int MaxRows = 8;

    const int Lanes = 8;

    /// <summary>Whether <see cref="TryLinear"/> runs at all (AVX2+FMA present and not switched off).</summary>
    public static bool Enabled { get; } = Avx2.IsSupported && Fma.IsSupported
        && Environment.GetEnvironmentVariable("LATENTLAB_LLM_TORCH_LINEAR") != "1";

    /// <summary>F.linear(x, w, b), through this kernel when it applies.</summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? b) => TryLinear(x, w, b) ?? nn.functional.linear(x, w, b);

    /// <summary>
    /// x (..., K) times w (N, K)^T plus b (N): the (..., N) result, or null when the kernel does not apply (not the CPU,
    /// more than <see cref="MaxRows"/> rows, another dtype, gradients wanted, or a shape F.linear should judge).
    /// </summary>
    public static Tensor? TryLinear(Tensor x, Tensor w, Tensor? b) => TryLinear(x, w, b, torch.get_num_threads());

    /// <summary><see cref="TryLinear(Tensor, Tensor, Tensor?)"/> with the columns shared out over up to <paramref name="threads"/> threads.</summary>
    internal static Tensor? TryLinear(Tensor x, Tensor w, Tensor? b, int threads)
    {
        // Every check reads each shape once (a shape is a native call and a new array: ~2 us, next to a 0.1-1.5 ms call).
        if (!Enabled) return null;
        var dtype = w.dtype;
        if (dtype != ScalarType.Float32 && dtype != ScalarType.BFloat16) return null;
        if (x.dtype != dtype || x.device_type != DeviceType.CPU || w.device_type != DeviceType.CPU) return null;
        if (x.requires_grad || w.requires_grad || (b?.requires_grad ?? false) || !w.is_contiguous()) return null;
        long[] ws = w.shape, xs = x.shape;
        if (ws.Length != 2 || xs.Length < 1) return null;
        long n = ws[0], k = ws[1];
        if (xs[^1] != k || k == 0 || n == 0) return null;
        long m = x.NumberOfElements / k;
        if (m < 1 || m > MaxRows) return null;
        if (b is not null && (b.dtype != dtype || b.device_type != DeviceType.CPU || b.NumberOfElements != n)) return null;

        // float32 operands that are already contiguous are used as they are; anything else is copied (and widened) first.
        bool f32 = dtype == ScalarType.Float32;
        var input = f32 && x.is_contiguous() ? x : Float32Copy(x.reshape(m, k));                            // (M, K) float32
        var bias = b is null || (f32 && b.is_contiguous()) ? b : Float32Copy(b.alias());                    // (N) float32
        var y = empty([.. xs[..^1], n], ScalarType.Float32, x.device);                                      // (..., N)
        try
        {
            var job = new Job((float*)Formats.TensorMemory.Pointer(input), (void*)Formats.TensorMemory.Pointer(w),
                bias is null ? null : (float*)Formats.TensorMemory.Pointer(bias), (float*)Formats.TensorMemory.Pointer(y),
                (int)m, (int)n, (int)k, !f32);
            Workers.Run(job, Math.Max(1, threads));
            GC.KeepAlive(input); GC.KeepAlive(w); GC.KeepAlive(bias);
        }
        finally
        {
            if (!ReferenceEquals(input, x)) input.Dispose();
            if (!ReferenceEquals(bias, b)) bias?.Dispose();
        }
        if (f32) return y;
        using (y) return y.to(ScalarType.BFloat16);
    }

    /// <summary>A contiguous float32 copy of <paramref name="t"/>, which it disposes.</summary>
    static Tensor Float32Copy(Tensor t)
    {
        using (t)
        using (var wide = t.to(ScalarType.Float32))
            return wide.contiguous();
    }

    /// <summary>One call's operands: x (M, K) float32, w (N, K) float32 or bfloat16 bits, bias (N) or null, y (M, N).</summary>
    internal readonly struct Job(float* x, void* w, float* bias, float* y, int m, int n, int k, bool bf16)
    {
        public readonly float* X = x, Bias = bias, Y = y;
        public readonly void* W = w;
        public readonly int M = m, N = n, K = k;
        public readonly bool Bf16 = bf16;

        /// <summary>Columns [n0, n1) of every row.</summary>
        public void Columns(int n0, int n1)
        {
            if (Bf16) Columns<ushort>(n0, n1); else Columns<float>(n0, n1);
        }

        // Columns outermost: each column's weight row is read from memory once and, for the other rows of the batch, from L1.
        void Columns<T>(int n0, int n1) where T : unmanaged
        {
            var w = (T*)W;
            int c = n0;
            if (M >= 4)
            {
                for (; c + 2 <= n1; c += 2)                  // two columns: four rows at a time (8 accumulators), then the rest
                {
                    int r = 0;
                    for (; r + 4 <= M; r += 4) Rows4Cols2(X + (long)r * K, w + (long)c * K, c, r);
                    for (; r < M; r++) Rows1Cols2(X + (long)r * K, w + (long)c * K, c, r);
                }
            }
            else
            {
                for (; c + 8 <= n1; c += 8)                  // eight columns of one row at a time (8 accumulators)
                    for (int r = 0; r < M; r++) Rows1Cols8(X + (long)r * K, w + (long)c * K, c, r);
            }
            for (; c < n1; c++)
                for (int r = 0; r < M; r++) One(X + (long)r * K, w + (long)c * K, c, r);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<float> Load<T>(T* p) where T : unmanaged
        {
            if (typeof(T) == typeof(float)) return Avx.LoadVector256((float*)p);
            return Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)p), 16).AsSingle();   // bfloat16 bits -> float32
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static float Scalar<T>(T* p) where T : unmanaged =>
            typeof(T) == typeof(float) ? *(float*)p : BitConverter.Int32BitsToSingle(*(ushort*)p << 16);

        /// <summary>The 8 lanes summed in a fixed order, then the tail k from K - K % 8 one by one, then the bias.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        float Finish<T>(Vector256<float> acc, float* x, T* w, int column) where T : unmanaged
        {
            var half = Sse.Add(acc.GetLower(), acc.GetUpper());                  // lanes (0+4, 1+5, 2+6, 3+7)
            var pair = Sse.Add(half, Sse.MoveHighToLow(half, half));            // (0+4+2+6, 1+5+3+7, ..)
            float s = pair.ToScalar() + Sse.Shuffle(pair, pair, 1).ToScalar();
            for (int i = K - K % Lanes; i < K; i++) s += x[i] * Scalar(w + i);
            return Bias is null ? s : s + Bias[column];
        }

        void One<T>(float* x, T* w, int column, int row) where T : unmanaged
        {
            var a = Vector256<float>.Zero;
            int kv = K - K % Lanes;
            for (int i = 0; i < kv; i += Lanes) a = Fma.MultiplyAdd(Avx.LoadVector256(x + i), Load(w + i), a);
            Y[(long)row * N + column] = Finish(a, x, w, column);
        }

        void Rows1Cols2<T>(float* x, T* w, int column, int row) where T : unmanaged
        {
            T* w1 = w + K;
            Vector256<float> a0 = default, a1 = default;
            int kv = K - K % Lanes;
            for (int i = 0; i < kv; i += Lanes)
            {
                var xv = Avx.LoadVector256(x + i);
                a0 = Fma.MultiplyAdd(xv, Load(w + i), a0);
                a1 = Fma.MultiplyAdd(xv, Load(w1 + i), a1);
            }
            float* y = Y + (long)row * N + column;
            y[0] = Finish(a0, x, w, column);
            y[1] = Finish(a1, x, w1, column + 1);
        }

        void Rows1Cols8<T>(float* x, T* w, int column, int row) where T : unmanaged
        {
            long k = K;
            T* w1 = w + k, w2 = w1 + k, w3 = w2 + k, w4 = w3 + k, w5 = w4 + k, w6 = w5 + k, w7 = w6 + k;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            int kv = K - K % Lanes;
            for (int i = 0; i < kv; i += Lanes)
            {
                var xv = Avx.LoadVector256(x + i);
                a0 = Fma.MultiplyAdd(xv, Load(w + i), a0);
                a1 = Fma.MultiplyAdd(xv, Load(w1 + i), a1);
                a2 = Fma.MultiplyAdd(xv, Load(w2 + i), a2);
                a3 = Fma.MultiplyAdd(xv, Load(w3 + i), a3);
                a4 = Fma.MultiplyAdd(xv, Load(w4 + i), a4);
                a5 = Fma.MultiplyAdd(xv, Load(w5 + i), a5);
                a6 = Fma.MultiplyAdd(xv, Load(w6 + i), a6);
                a7 = Fma.MultiplyAdd(xv, Load(w7 + i), a7);
            }
            float* y = Y + (long)row * N + column;
            y[0] = Finish(a0, x, w, column);      y[1] = Finish(a1, x, w1, column + 1);
            y[2] = Finish(a2, x, w2, column + 2); y[3] = Finish(a3, x, w3, column + 3);
            y[4] = Finish(a4, x, w4, column + 4); y[5] = Finish(a5, x, w5, column + 5);
            y[6] = Finish(a6, x, w6, column + 6); y[7] = Finish(a7, x, w7, column + 7);
        }

        void Rows4Cols2<T>(float* x, T* w, int column, int row) where T : unmanaged
        {
            float* x1 = x + K, x2 = x1 + K, x3 = x2 + K;
            T* w1 = w + K;
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default,
                             a20 = default, a21 = default, a30 = default, a31 = default;
            int kv = K - K % Lanes;
            for (int i = 0; i < kv; i += Lanes)
            {
                var v0 = Load(w + i);
                var v1 = Load(w1 + i);
                var xv = Avx.LoadVector256(x + i);
                a00 = Fma.MultiplyAdd(xv, v0, a00); a01 = Fma.MultiplyAdd(xv, v1, a01);
                xv = Avx.LoadVector256(x1 + i);
                a10 = Fma.MultiplyAdd(xv, v0, a10); a11 = Fma.MultiplyAdd(xv, v1, a11);
                xv = Avx.LoadVector256(x2 + i);
                a20 = Fma.MultiplyAdd(xv, v0, a20); a21 = Fma.MultiplyAdd(xv, v1, a21);
                xv = Avx.LoadVector256(x3 + i);
                a30 = Fma.MultiplyAdd(xv, v0, a30); a31 = Fma.MultiplyAdd(xv, v1, a31);
            }
            float* y = Y + (long)row * N + column;
            long n = N;
            y[0] = Finish(a00, x, w, column);            y[1] = Finish(a01, x, w1, column + 1);
            y[n] = Finish(a10, x1, w, column);           y[n + 1] = Finish(a11, x1, w1, column + 1);
            y[2 * n] = Finish(a20, x2, w, column);       y[2 * n + 1] = Finish(a21, x2, w1, column + 1);
            y[3 * n] = Finish(a30, x3, w, column);       y[3 * n + 1] = Finish(a31, x3, w1, column + 1);
        }
    }

    /// <summary>
    /// Threads for the column ranges of one call: the caller computes range 0, up to 7 helpers the others. Shared by the
    /// process; a call that finds it busy (another thread's model) computes all its columns itself, which gives the same
    /// numbers (each output is computed the same way wherever it runs).
    /// <para>
    /// Why not Parallel.For, as StackedStudentPolicy splits its episodes: a decoding step makes ~200 calls of 0.1-1.5 ms,
    /// and the helpers here spin briefly before they sleep, so the next call finds them awake. Measured with Parallel.For
    /// in its place (`$B llm --reps 2 --prompt 16`, this pool and Parallel.For alternated twice, load 1.8-2.0): decode
    /// batch 8 29.7 / 30.6 tokens/s with this pool against 25.7 / 26.7, batch 1 the same (5.6-6.6 either way).
    /// </para>
    /// </summary>
    static class Workers
    {
        static readonly object Gate = new();
        static Thread[]? _threads;
        static ManualResetEventSlim[] _go = [];
        static CountdownEvent? _done;
        static Job _job;
        static int _parts;
        static Exception? _error;

        public static void Run(in Job job, int threads)
        {
            // At least 256 columns per range: below that a hand-off costs more than it saves.
            int parts = Math.Min(Math.Min(threads, Math.Min(8, Environment.ProcessorCount)), Math.Max(1, job.N / 256));
            if (parts <= 1 || !Monitor.TryEnter(Gate)) { job.Columns(0, job.N); return; }
            try
            {
                EnsureThreads(parts - 1);
                _job = job;
                _parts = parts;
                _error = null;
                _done!.Reset(parts - 1);
                for (int p = 1; p < parts; p++) _go[p - 1].Set();
                try { Range(0); }
                finally { _done.Wait(); }
                if (_error is { } error) throw new InvalidOperationException($"A linear-kernel thread failed: {error.Message}", error);
            }
            finally { Monitor.Exit(Gate); }
        }

        static void Range(int part)
        {
            // Contiguous ranges on 8-column boundaries.
            int per = (_job.N / _parts + 7) & ~7;
            int n0 = Math.Min(_job.N, part * per), n1 = part == _parts - 1 ? _job.N : Math.Min(_job.N, n0 + per);
            if (n0 < n1) _job.Columns(n0, n1);
        }

        static void EnsureThreads(int helpers)
        {
            if (_threads is not null && _threads.Length >= helpers) return;
            int have = _threads?.Length ?? 0;
            var threads = new Thread[helpers];
            var go = new ManualResetEventSlim[helpers];
            for (int i = 0; i < have; i++) { threads[i] = _threads![i]; go[i] = _go[i]; }
            _done ??= new CountdownEvent(1);
            for (int i = have; i < helpers; i++)
            {
                int part = i + 1;
                var signal = go[i] = new ManualResetEventSlim(false, spinCount: 200);
                threads[i] = new Thread(() => Loop(part, signal), 1 << 20) { IsBackground = true, Name = $"LatentLab linear {part}" };
                threads[i].Start();
            }
            _threads = threads;
            _go = go;
        }

        static void Loop(int part, ManualResetEventSlim go)
        {
            while (true)
            {
                go.Wait();
                go.Reset();
                try { if (part < _parts) Range(part); }
                catch (Exception ex) { _error = ex; }
                finally { _done!.Signal(); }
            }
        }
    }
}
