using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentLab.Imitation.Simd;

/// <summary>
/// exp, sigmoid and tanh for the fused LSTM rollout, as eight-lane AVX2+FMA code and as scalar code that performs the
/// same IEEE operations in the same order (fused multiply-adds included), so both paths give bit-identical numbers on
/// any x86-64 machine. exp is the Cephes single-precision scheme: x = n ln2 + r with n = round(x log2 e) and ln2 split in
/// two parts (C1 + C2), e^r by a degree-5 polynomial in r (about 1 ulp), times 2^n built from n's bits. sigmoid(x) =
/// 1 / (1 + e^-x); tanh is a rational approximation (below). Division, not the approximate reciprocal, whose bits differ
/// between CPU vendors.
/// </summary>
public static class LstmActivations
{
    const float Log2E = 1.44269504088896341f;
    const float C1 = 0.693359375f, C2 = -2.12194440e-4f;                      // ln 2 = C1 + C2, C1 exact in few bits
    const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /// <summary>Whether the vector path can run here (AVX2 and FMA).</summary>
    public static bool VectorSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Sigmoid inputs are clamped to +-20 (sigmoid(-20) = 2e-9): exp's argument stays within +-20, so its 2^n is a
    /// normal float and needs no clamp of its own.</summary>
    const float SigmoidClamp = 20f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Clamp(Vector256<float> x, float bound) => Avx.Min(Avx.Max(x, Vector256.Create(-bound)), Vector256.Create(bound));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Clamp(float x, float bound)
    {
        x = x > -bound ? x : -bound;                                           // Avx.Max(x, -bound): -bound also for NaN
        return x < bound ? x : bound;                                          // Avx.Min(x, bound)
    }

    /// <summary>e^x for x within [-87.3, 88.3] (the callers clamp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Exp(Vector256<float> x)
    {
        var fx = Avx.RoundToNearestInteger(Avx.Multiply(x, Vector256.Create(Log2E)));
        var r = Fma.MultiplyAddNegated(fx, Vector256.Create(C1), x);           // x - fx*C1
        r = Fma.MultiplyAddNegated(fx, Vector256.Create(C2), r);               // - fx*C2
        var p = Fma.MultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P2));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P3));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P4));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P5));
        var y = Avx.Add(Fma.MultiplyAdd(p, Avx.Multiply(r, r), r), Vector256.Create(1f));
        var n = Avx.ConvertToVector256Int32(fx);                              // exact: fx is an integer
        var pow2n = Avx2.ShiftLeftLogical(Avx2.Add(n, Vector256.Create(127)), 23).AsSingle();
        return Avx.Multiply(y, pow2n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Exp(float x)
    {
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

    // tanh: the rational minimax approximation Eigen uses for float (x p(x^2) / q(x^2), degrees 13 and 6, input clamped to
    // +-7.9053, where it reaches 1): absolute error about 2e-7 over the range, relative error near 0 about 1e-7, one division.
    const float TanhClamp = 7.90531110763549805f;
    const float A1 = 4.89352455891786e-03f, A3 = 6.37261928875436e-04f, A5 = 1.48572235717979e-05f, A7 = 5.12229709037114e-08f;
    const float A9 = -8.60467152213735e-11f, A11 = 2.00018790482477e-13f, A13 = -2.76076847742355e-16f;
    const float B0 = 4.89352518554385e-03f, B2 = 2.26843463243900e-03f, B4 = 1.18534705686654e-04f, B6 = 1.19825839466702e-06f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        x = Clamp(x, TanhClamp);
        var x2 = Avx.Multiply(x, x);
        var p = Fma.MultiplyAdd(x2, Vector256.Create(A13), Vector256.Create(A11));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(A9));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(A7));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(A5));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(A3));
        p = Fma.MultiplyAdd(x2, p, Vector256.Create(A1));
        p = Avx.Multiply(p, x);
        var q = Fma.MultiplyAdd(x2, Vector256.Create(B6), Vector256.Create(B4));
        q = Fma.MultiplyAdd(x2, q, Vector256.Create(B2));
        q = Fma.MultiplyAdd(x2, q, Vector256.Create(B0));
        return Avx.Divide(p, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        x = Clamp(x, TanhClamp);
        float x2 = x * x;
        float p = MathF.FusedMultiplyAdd(x2, A13, A11);
        p = MathF.FusedMultiplyAdd(x2, p, A9);
        p = MathF.FusedMultiplyAdd(x2, p, A7);
        p = MathF.FusedMultiplyAdd(x2, p, A5);
        p = MathF.FusedMultiplyAdd(x2, p, A3);
        p = MathF.FusedMultiplyAdd(x2, p, A1);
        p *= x;
        float q = MathF.FusedMultiplyAdd(x2, B6, B4);
        q = MathF.FusedMultiplyAdd(x2, q, B2);
        q = MathF.FusedMultiplyAdd(x2, q, B0);
        return p / q;
    }

    /// <summary>
    /// The LSTM cell on eight units from their gate pre-activations i, f, g, o (nn.LSTM's order) and the old c: returns the
    /// new c = sigmoid(f) c + sigmoid(i) tanh(g) and h = sigmoid(o) tanh(c). One division per activation: sharing one
    /// division between the four gates (1/d_i = d_f d_g d_o / P) measured no faster and cost 9 ulps of c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> C, Vector256<float> H) Cell(Vector256<float> i, Vector256<float> f, Vector256<float> g, Vector256<float> o, Vector256<float> c)
    {
        var (si, sf, tg, so) = Gates(i, f, g, o);
        var cNew = Fma.MultiplyAdd(sf, c, Avx.Multiply(si, tg));
        return (cNew, Avx.Multiply(so, Tanh(cNew)));
    }

    /// <summary>The activated gates sigmoid(i), sigmoid(f), tanh(g), sigmoid(o) of <see cref="Cell(Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float})"/>
    /// (the training pass keeps them for the backward pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> I, Vector256<float> F, Vector256<float> G, Vector256<float> O) Gates(Vector256<float> i, Vector256<float> f, Vector256<float> g, Vector256<float> o)
    {
        var one = Vector256.Create(1f);
        var si = Avx.Divide(one, Avx.Add(one, Exp(Avx.Subtract(Vector256<float>.Zero, Clamp(i, SigmoidClamp)))));
        var sf = Avx.Divide(one, Avx.Add(one, Exp(Avx.Subtract(Vector256<float>.Zero, Clamp(f, SigmoidClamp)))));
        var tg = Tanh(g);
        var so = Avx.Divide(one, Avx.Add(one, Exp(Avx.Subtract(Vector256<float>.Zero, Clamp(o, SigmoidClamp)))));
        return (si, sf, tg, so);
    }

    /// <summary><see cref="Cell(Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float})"/> on one unit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float C, float H) Cell(float i, float f, float g, float o, float c)
    {
        float si = 1f / (1f + Exp(0f - Clamp(i, SigmoidClamp)));
        float sf = 1f / (1f + Exp(0f - Clamp(f, SigmoidClamp)));
        float tg = Tanh(g);
        float so = 1f / (1f + Exp(0f - Clamp(o, SigmoidClamp)));
        float cNew = MathF.FusedMultiplyAdd(sf, c, si * tg);
        return (cNew, so * Tanh(cNew));
    }
}
