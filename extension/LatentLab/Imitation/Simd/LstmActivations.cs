using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentLab.Imitation.Simd;

/// <summary>
/// exp, sigmoid and tanh for the student's managed passes, written once (<see cref="Exp{L, V}"/>, <see cref="Tanh{L, V}"/>,
/// <see cref="Gates{L, V}"/>) over a table of lane operations: scalar (<see cref="ScalarLanes"/>), eight lanes of AVX2+FMA
/// (<see cref="Avx2Lanes"/>) and sixteen lanes of AVX-512 (<see cref="Avx512Lanes"/>). Every table performs the same IEEE
/// operations in the same order on each lane (fused multiply-adds included), so all three give bit-identical numbers on any
/// x86-64 machine: the widths differ only in how many lanes one instruction carries. exp is the Cephes single-precision
/// scheme: x = n ln2 + r with n = round(x log2 e) and ln2 split in two parts (C1 + C2), e^r by a degree-5 polynomial in r
/// (about 1 ulp), times 2^n built from n's bits. sigmoid(x) = 1 / (1 + e^-x); tanh is a rational approximation (below).
/// Division, not the approximate reciprocal, whose bits differ between CPU vendors.
/// </summary>
public static class LstmActivations
{
    const float Log2E = 1.44269504088896341f;
    const float C1 = 0.693359375f, C2 = -2.12194440e-4f;                      // ln 2 = C1 + C2, C1 exact in few bits
    const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /// <summary>Whether the eight-lane path can run here (AVX2 and FMA).</summary>
    public static bool VectorSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Whether the sixteen-lane path can run here (AVX-512F; off when .NET's AVX-512 code generation is off).</summary>
    public static bool WideSupported => VectorSupported && Avx512F.IsSupported;

    /// <summary>Sigmoid inputs are clamped to +-20 (sigmoid(-20) = 2e-9): exp's argument stays within +-20, so its 2^n is a
    /// normal float and needs no clamp of its own.</summary>
    const float SigmoidClamp = 20f;

    /// <summary>e^x for x within [-87.3, 88.3] (the callers clamp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V Exp<L, V>(V x) where L : ILanes<V> where V : struct
    {
        var fx = L.RoundEven(L.Mul(x, L.Of(Log2E)));
        var r = L.MulSubFrom(fx, L.Of(C1), x);                                // x - fx*C1
        r = L.MulSubFrom(fx, L.Of(C2), r);                                    // - fx*C2
        var p = L.MulAdd(L.Of(P0), r, L.Of(P1));
        p = L.MulAdd(p, r, L.Of(P2));
        p = L.MulAdd(p, r, L.Of(P3));
        p = L.MulAdd(p, r, L.Of(P4));
        p = L.MulAdd(p, r, L.Of(P5));
        var y = L.Add(L.MulAdd(p, L.Mul(r, r), r), L.Of(1f));
        return L.Mul(y, L.Pow2(fx));
    }

    // tanh: the rational minimax approximation Eigen uses for float (x p(x^2) / q(x^2), degrees 13 and 6, input clamped to
    // +-7.9053, where it reaches 1): absolute error about 2e-7 over the range, relative error near 0 about 1e-7, one division.
    const float TanhClamp = 7.90531110763549805f;
    const float A1 = 4.89352455891786e-03f, A3 = 6.37261928875436e-04f, A5 = 1.48572235717979e-05f, A7 = 5.12229709037114e-08f;
    const float A9 = -8.60467152213735e-11f, A11 = 2.00018790482477e-13f, A13 = -2.76076847742355e-16f;
    const float B0 = 4.89352518554385e-03f, B2 = 2.26843463243900e-03f, B4 = 1.18534705686654e-04f, B6 = 1.19825839466702e-06f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static V Clamp<L, V>(V x, float bound) where L : ILanes<V> where V : struct => L.Min(L.Max(x, L.Of(-bound)), L.Of(bound));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V Tanh<L, V>(V x) where L : ILanes<V> where V : struct
    {
        x = Clamp<L, V>(x, TanhClamp);
        var x2 = L.Mul(x, x);
        var p = L.MulAdd(x2, L.Of(A13), L.Of(A11));
        p = L.MulAdd(x2, p, L.Of(A9));
        p = L.MulAdd(x2, p, L.Of(A7));
        p = L.MulAdd(x2, p, L.Of(A5));
        p = L.MulAdd(x2, p, L.Of(A3));
        p = L.MulAdd(x2, p, L.Of(A1));
        p = L.Mul(p, x);
        var q = L.MulAdd(x2, L.Of(B6), L.Of(B4));
        q = L.MulAdd(x2, q, L.Of(B2));
        q = L.MulAdd(x2, q, L.Of(B0));
        return L.Div(p, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static V Sigmoid<L, V>(V x) where L : ILanes<V> where V : struct
    {
        var one = L.Of(1f);
        return L.Div(one, L.Add(one, Exp<L, V>(L.Sub(L.Of(0f), Clamp<L, V>(x, SigmoidClamp)))));
    }

    /// <summary>The activated gates sigmoid(i), sigmoid(f), tanh(g), sigmoid(o) from the pre-activations (nn.LSTM's order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (V I, V F, V G, V O) Gates<L, V>(V i, V f, V g, V o) where L : ILanes<V> where V : struct =>
        (Sigmoid<L, V>(i), Sigmoid<L, V>(f), Tanh<L, V>(g), Sigmoid<L, V>(o));

    /// <summary>New c = sigmoid(f) c + sigmoid(i) tanh(g) and h = sigmoid(o) tanh(c). One division per activation: sharing one
    /// division between the four gates (1/d_i = d_f d_g d_o / P) measured no faster and cost 9 ulps of c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (V C, V H) Cell<L, V>(V i, V f, V g, V o, V c) where L : ILanes<V> where V : struct
    {
        var (si, sf, tg, so) = Gates<L, V>(i, f, g, o);
        var cNew = NextC<L, V>(si, sf, tg, c);
        return (cNew, L.Mul(so, Tanh<L, V>(cNew)));
    }

    /// <summary>The new c from the activated gates and the old c: sigmoid(f) c + sigmoid(i) tanh(g), one fused multiply-add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V NextC<L, V>(V si, V sf, V tg, V c) where L : ILanes<V> where V : struct => L.MulAdd(sf, c, L.Mul(si, tg));

    /// <summary>tanh on one value (the same bits as a lane of the vector paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => Tanh<ScalarLanes, float>(x);

    /// <summary>
    /// tanh over <paramref name="count"/> floats at <paramref name="x"/>, in place: sixteen at a time where
    /// <paramref name="wide"/> and the CPU allow (<see cref="WideSupported"/>), then eight where <paramref name="vector"/> and
    /// the CPU allow (<see cref="VectorSupported"/>), the rest one by one. The same bits whichever runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void TanhInPlace(float* x, long count, bool vector = true, bool wide = true)
    {
        long i = 0;
        if (vector && wide && WideSupported)
            for (; i + 16 <= count; i += 16) Avx512F.Store(x + i, Tanh<Avx512Lanes, Vector512<float>>(Avx512F.LoadVector512(x + i)));
        if (vector && VectorSupported)
            for (; i + 8 <= count; i += 8) Avx.Store(x + i, Tanh<Avx2Lanes, Vector256<float>>(Avx.LoadVector256(x + i)));
        for (; i < count; i++) x[i] = Tanh<ScalarLanes, float>(x[i]);
    }

    /// <summary>The LSTM cell on one unit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float C, float H) Cell(float i, float f, float g, float o, float c) => Cell<ScalarLanes, float>(i, f, g, o, c);
}

/// <summary>The lane operations the activations are written in: each is one IEEE operation per lane (MulAdd and MulSubFrom
/// with one rounding), Min / Max with x86's rule (the second operand when either is NaN). Load and Store move one vector:
/// a float, eight floats, or two rows' eight floats (at a and at a + rowStride).</summary>
internal unsafe interface ILanes<V> where V : struct
{
    static abstract V Load(float* a, long rowStride);
    static abstract void Store(float* a, long rowStride, V v);
    static abstract V Of(float x);
    static abstract V Add(V a, V b);
    static abstract V Sub(V a, V b);
    static abstract V Mul(V a, V b);
    static abstract V Div(V a, V b);
    /// <summary>a b + c, rounded once.</summary>
    static abstract V MulAdd(V a, V b, V c);
    /// <summary>c - a b, rounded once.</summary>
    static abstract V MulSubFrom(V a, V b, V c);
    static abstract V Max(V x, V y);
    static abstract V Min(V x, V y);
    /// <summary>To the nearest integer, ties to even.</summary>
    static abstract V RoundEven(V x);
    /// <summary>2^n for integer-valued n whose power is a normal float (built from n's bits).</summary>
    static abstract V Pow2(V n);
}

internal unsafe struct ScalarLanes : ILanes<float>
{
    public static float Load(float* a, long rowStride) => *a;
    public static void Store(float* a, long rowStride, float v) => *a = v;
    public static float Of(float x) => x;
    public static float Add(float a, float b) => a + b;
    public static float Sub(float a, float b) => a - b;
    public static float Mul(float a, float b) => a * b;
    public static float Div(float a, float b) => a / b;
    public static float MulAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    public static float MulSubFrom(float a, float b, float c) => MathF.FusedMultiplyAdd(-a, b, c);
    public static float Max(float x, float y) => x > y ? x : y;                // maxps: y also when either is NaN
    public static float Min(float x, float y) => x < y ? x : y;
    public static float RoundEven(float x) => MathF.Round(x, MidpointRounding.ToEven);
    public static float Pow2(float n) => BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
}

internal unsafe struct Avx2Lanes : ILanes<Vector256<float>>
{
    public static Vector256<float> Load(float* a, long rowStride) => Avx.LoadVector256(a);
    public static void Store(float* a, long rowStride, Vector256<float> v) => Avx.Store(a, v);
    public static Vector256<float> Of(float x) => Vector256.Create(x);
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => Avx.Add(a, b);
    public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => Avx.Subtract(a, b);
    public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => Avx.Multiply(a, b);
    public static Vector256<float> Div(Vector256<float> a, Vector256<float> b) => Avx.Divide(a, b);
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
    public static Vector256<float> MulSubFrom(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAddNegated(a, b, c);
    public static Vector256<float> Max(Vector256<float> x, Vector256<float> y) => Avx.Max(x, y);
    public static Vector256<float> Min(Vector256<float> x, Vector256<float> y) => Avx.Min(x, y);
    public static Vector256<float> RoundEven(Vector256<float> x) => Avx.RoundToNearestInteger(x);
    public static Vector256<float> Pow2(Vector256<float> n) =>
        Avx2.ShiftLeftLogical(Avx2.Add(Avx.ConvertToVector256Int32(n), Vector256.Create(127)), 23).AsSingle();   // n exact: an integer
}

internal unsafe struct Avx512Lanes : ILanes<Vector512<float>>
{
    public static Vector512<float> Load(float* a, long rowStride) => Vector512.Create(Avx.LoadVector256(a), Avx.LoadVector256(a + rowStride));
    public static void Store(float* a, long rowStride, Vector512<float> v)
    {
        Avx.Store(a, v.GetLower());
        Avx.Store(a + rowStride, v.GetUpper());
    }
    public static Vector512<float> Of(float x) => Vector512.Create(x);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => Avx512F.Add(a, b);
    public static Vector512<float> Sub(Vector512<float> a, Vector512<float> b) => Avx512F.Subtract(a, b);
    public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => Avx512F.Multiply(a, b);
    public static Vector512<float> Div(Vector512<float> a, Vector512<float> b) => Avx512F.Divide(a, b);
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    public static Vector512<float> MulSubFrom(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAddNegated(a, b, c);
    public static Vector512<float> Max(Vector512<float> x, Vector512<float> y) => Avx512F.Max(x, y);
    public static Vector512<float> Min(Vector512<float> x, Vector512<float> y) => Avx512F.Min(x, y);
    public static Vector512<float> RoundEven(Vector512<float> x) => Avx512F.RoundScale(x, 0);   // 0 fraction bits, to nearest even
    public static Vector512<float> Pow2(Vector512<float> n) =>
        Avx512F.ShiftLeftLogical(Avx512F.Add(Avx512F.ConvertToVector512Int32(n), Vector512.Create(127)), 23).AsSingle();
}
