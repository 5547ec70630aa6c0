using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentLab.Imitation.Simd;

/// <summary>The one AVX2+FMA micro-kernel of the student's managed passes (rollout and training): a 4 x 32 tile of a product.</summary>
internal static unsafe class FmaTile
{
    /// <summary>
    /// out (4, 32) = init + sum_{k &lt; depth} a[i ai + k ak] w[k wk + 0..31] for rows i = 0..3, the depth in order, one fused
    /// multiply-add per term. init: null (zeros), or a matrix with row stride <paramref name="initStride"/> (0: one bias row
    /// for all four; out itself to accumulate). out has row stride <paramref name="os"/>. A second source
    /// (<paramref name="second"/>, not null) adds sum_{k &lt; secondDepth} second[i secondStride + k] secondW[k 32 + 0..31] after the first, in the same
    /// registers (the LSTM's input, then its recurrent product: the same sums as two calls, without storing between them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4(float* a, long ai, long ak, int depth, float* w, long wk, float* init, long initStride, float* o, long os,
        float* second = null, long secondStride = 0, int secondDepth = 0, float* secondW = null)
    {
        Vector256<float> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (init == null)
        {
            a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = Vector256<float>.Zero;
        }
        else
        {
            float* i0 = init, i1 = init + initStride, i2 = init + 2 * initStride, i3 = init + 3 * initStride;
            a00 = Avx.LoadVector256(i0); a01 = Avx.LoadVector256(i0 + 8); a02 = Avx.LoadVector256(i0 + 16); a03 = Avx.LoadVector256(i0 + 24);
            a10 = Avx.LoadVector256(i1); a11 = Avx.LoadVector256(i1 + 8); a12 = Avx.LoadVector256(i1 + 16); a13 = Avx.LoadVector256(i1 + 24);
            a20 = Avx.LoadVector256(i2); a21 = Avx.LoadVector256(i2 + 8); a22 = Avx.LoadVector256(i2 + 16); a23 = Avx.LoadVector256(i2 + 24);
            a30 = Avx.LoadVector256(i3); a31 = Avx.LoadVector256(i3 + 8); a32 = Avx.LoadVector256(i3 + 16); a33 = Avx.LoadVector256(i3 + 24);
        }
        for (int pass = 0; pass < 2; pass++)
        {
            if (pass == 1)
            {
                if (second == null) break;
                a = second;
                w = secondW;
                (ai, ak, depth, wk) = (secondStride, 1, secondDepth, 32);
            }
            float* s0 = a, s1 = a + ai, s2 = a + 2 * ai, s3 = a + 3 * ai;
            for (int k = 0; k < depth; k++)
            {
                float* wr = w + k * wk;
                long ka = k * ak;
                var w0 = Avx.LoadVector256(wr); var w1 = Avx.LoadVector256(wr + 8); var w2 = Avx.LoadVector256(wr + 16); var w3 = Avx.LoadVector256(wr + 24);
                var v = Avx.BroadcastScalarToVector256(s0 + ka);
                a00 = Fma.MultiplyAdd(v, w0, a00); a01 = Fma.MultiplyAdd(v, w1, a01); a02 = Fma.MultiplyAdd(v, w2, a02); a03 = Fma.MultiplyAdd(v, w3, a03);
                v = Avx.BroadcastScalarToVector256(s1 + ka);
                a10 = Fma.MultiplyAdd(v, w0, a10); a11 = Fma.MultiplyAdd(v, w1, a11); a12 = Fma.MultiplyAdd(v, w2, a12); a13 = Fma.MultiplyAdd(v, w3, a13);
                v = Avx.BroadcastScalarToVector256(s2 + ka);
                a20 = Fma.MultiplyAdd(v, w0, a20); a21 = Fma.MultiplyAdd(v, w1, a21); a22 = Fma.MultiplyAdd(v, w2, a22); a23 = Fma.MultiplyAdd(v, w3, a23);
                v = Avx.BroadcastScalarToVector256(s3 + ka);
                a30 = Fma.MultiplyAdd(v, w0, a30); a31 = Fma.MultiplyAdd(v, w1, a31); a32 = Fma.MultiplyAdd(v, w2, a32); a33 = Fma.MultiplyAdd(v, w3, a33);
            }
        }
        Avx.Store(o, a00); Avx.Store(o + 8, a01); Avx.Store(o + 16, a02); Avx.Store(o + 24, a03);
        o += os; Avx.Store(o, a10); Avx.Store(o + 8, a11); Avx.Store(o + 16, a12); Avx.Store(o + 24, a13);
        o += os; Avx.Store(o, a20); Avx.Store(o + 8, a21); Avx.Store(o + 16, a22); Avx.Store(o + 24, a23);
        o += os; Avx.Store(o, a30); Avx.Store(o + 8, a31); Avx.Store(o + 16, a32); Avx.Store(o + 24, a33);
    }

    /// <summary>sum_k a_k w_k over n (a multiple of 8) in eight lanes, then lanes (i, i+4), (i, i+2), (0, 1): a one-output layer's score.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* w, int n)
    {
        var acc = Vector256<float>.Zero;
        for (int k = 0; k < n; k += 8) acc = Fma.MultiplyAdd(Avx.LoadVector256(a + k), Avx.LoadVector256(w + k), acc);
        var four = Sse.Add(acc.GetLower(), acc.GetUpper());
        var two = Sse.Add(four, Sse.MoveHighToLow(four, four));
        return two.ToScalar() + two.GetElement(1);
    }

    /// <summary>
    /// The LSTM gate layout of both managed passes: a layer's gate columns regrouped by eight units, chunk j holding
    /// [i, f, g, o] of units 8j..8j+7 in its 32 slots (slot = gate x 8 + lane). Returns nn.LSTM's column (gate x H + unit) of
    /// slot <paramref name="slot"/> of chunk <paramref name="chunk"/>, or -1 for a padded unit (zero weights).
    /// </summary>
    public static int GateColumn(int chunk, int slot, int hidden)
    {
        int gate = slot / 8, unit = chunk * 8 + slot % 8;
        return unit < hidden ? gate * hidden + unit : -1;
    }
}
