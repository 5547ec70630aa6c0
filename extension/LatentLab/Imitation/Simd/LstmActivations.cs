using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentLab.Imitation.Simd;

/// <summary>
/// exp, sigmoid and tanh for the fused LSTM rollout, as eight-lane AVX2+FMA code and as scalar code that performs the
/// same IEEE operations in the same order (fused multiply-adds included), so both paths give bit-identical numbers on
/// any x86-64 machine. exp is the Cephes single-precision scheme: x = n ln2 + r with n = round(x log2 e) and ln2 split in
/// two parts (C1 + C2), e^r by a degree-5 polynomial in r (about 1 ulp), times 2^n built from n's bits; the input is
/// clamped to [-87.3, 88.3] so 2^n stays a normal float. sigmoid(x) = 1 / (1 + e^-x); tanh(x) = 2 sigmoid(2x) - 1,
/// whose absolute error is below 1e-7 (its relative error near 0 is larger; only absolute error reaches the scores).
/// </summary>
internal static class LstmActivations
{
    const float Log2E = 1.44269504088896341f;
    const float C1 = 0.693359375f, C2 = -2.12194440e-4f;                      // ln 2 = C1 + C2, C1 exact in few bits
    const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    const float Low = -87.3f, High = 88.3f;

    /// <summary>Whether the vector path can run here (AVX2 and FMA).</summary>
    public static bool VectorSupported => Avx2.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Avx.Min(Avx.Max(x, Vector256.Create(Low)), Vector256.Create(High));
        var fx = Avx.RoundToNearestInteger(Avx.Multiply(x, Vector256.Create(Log2E)));
        var r = Fma.MultiplyAddNegated(fx, Vector256.Create(C1), x);           // x - fx*C1
        r = Fma.MultiplyAddNegated(fx, Vector256.Create(C2), r);               // - fx*C2
        var p = Fma.MultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P2));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P3));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P4));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P5));
        var y = Avx.Add(Fma.MultiplyAdd(p, Avx.Multiply(r, r), r), Vector256.Create(1f));
        var n = Avx.ConvertToVector256Int32(fx);                              // exact: fx is an integer in [-126, 127]
        var pow2n = Avx2.ShiftLeftLogical(Avx2.Add(n, Vector256.Create(127)), 23).AsSingle();
        return Avx.Multiply(y, pow2n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) =>
        Avx.Divide(Vector256.Create(1f), Avx.Add(Vector256.Create(1f), Exp(Avx.Subtract(Vector256<float>.Zero, x))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) =>
        Avx.Subtract(Avx.Divide(Vector256.Create(2f), Avx.Add(Vector256.Create(1f), Exp(Avx.Multiply(x, Vector256.Create(-2f))))), Vector256.Create(1f));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        x = x > Low ? x : Low;                                                 // Avx.Max(x, Low): Low also for NaN
        x = x < High ? x : High;                                               // Avx.Min(x, High)
        float fx = MathF.Round(x * Log2E, MidpointRounding.ToEven);
        float r = MathF.FusedMultiplyAdd(-fx, C1, x);
        r = MathF.FusedMultiplyAdd(-fx, C2, r);
        float p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P5);
        float y = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;
        float pow2n = BitConverter.Int32BitsToSingle(((int)fx + 127) << 23);
        return y * pow2n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + Exp(0f - x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => 2f / (1f + Exp(x * -2f)) - 1f;
}
