using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentLab.Reinforcement.Simd;

/// <summary>
/// Per-seed gradient clipping and Adam over stacked parameters (each (S, ...), seed-major), by hand in place on their memory,
/// for the hand-written PPO and GRPO updates: torch's ClipGradNormPerSeed rule and optim.Adam's formula. The moments are
/// this object's, one block per parameter, in the order the parameters are given.
/// </summary>
internal sealed unsafe class StackedAdam : IDisposable
{
    readonly int _seeds;
    readonly long[] _perSeed;                                 // elements per seed of each parameter
    readonly float*[] _m, _v;
    readonly double[] _norms;
    long _adamSteps;

    public StackedAdam(int seeds, long[] perSeed)
    {
        _seeds = seeds;
        _perSeed = perSeed;
        _m = new float*[_perSeed.Length];
        _v = new float*[_perSeed.Length];
        for (int i = 0; i < _perSeed.Length; i++)
        {
            long bytes = _perSeed[i] * _seeds * sizeof(float);
            _m[i] = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
            _v[i] = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
            NativeMemory.Clear(_m[i], (nuint)bytes);
            NativeMemory.Clear(_v[i], (nuint)bytes);
        }
        _norms = new double[_seeds];
    }

    /// <summary>
    /// Clips each seed's gradient to global norm <paramref name="maxNorm"/> over every
    /// parameter given (<see cref="BatchedMlp.ClipGradNormPerSeed"/>'s rule: scale min(1, maxNorm / (norm + 1e-6))), then one Adam
    /// step (torch's: betas 0.9 / 0.999, bias-corrected, <paramref name="eps"/> added to sqrt(v) / sqrt(1 - beta2^t), no weight
    /// decay) on every parameter in place: what ClipGradNormPerSeed and optim.Adam's step did in ~100 small torch ops.
    /// </summary>
    public void Step(float*[] values, float*[] grads, double maxNorm, double learningRate, double eps)
    {
        const float Beta1 = 0.9f, Beta2 = 0.999f;
        Array.Clear(_norms);
        for (int i = 0; i < grads.Length; i++)
            for (int s = 0; s < _seeds; s++)
            {
                float* g = grads[i] + s * _perSeed[i];
                float sum = 0f;                                                       // float, as torch's pow(2).sum(1)
                for (long j = 0; j < _perSeed[i]; j++) sum = MathF.FusedMultiplyAdd(g[j], g[j], sum);
                _norms[s] += sum;
            }
        _adamSteps++;
        float bc1 = 1f - MathF.Pow(Beta1, _adamSteps), bc2Sqrt = MathF.Sqrt(1f - MathF.Pow(Beta2, _adamSteps));
        float stepSize = (float)(learningRate / bc1), epsF = (float)eps;
        var b1 = Vector256.Create(1f - Beta1);
        var b2 = Vector256.Create(Beta2);
        var b2c = Vector256.Create(1f - Beta2);
        var inv = Vector256.Create(1f / bc2Sqrt);
        var ev = Vector256.Create(epsF);
        var sv = Vector256.Create(stepSize);
        for (int s = 0; s < _seeds; s++)
        {
            float scale = MathF.Min(1f, (float)maxNorm / ((float)Math.Sqrt(_norms[s]) + 1e-6f));
            var scaleV = Vector256.Create(scale);
            for (int i = 0; i < grads.Length; i++)
            {
                long c = _perSeed[i], j = 0, o = s * c;
                float* g = grads[i] + o, p = values[i] + o, m = _m[i] + o, v = _v[i] + o;
                for (; j + 8 <= c; j += 8)
                {
                    var gj = Avx.Multiply(Avx.LoadVector256(g + j), scaleV);
                    Avx.Store(g + j, gj);
                    var mj = Avx.LoadVector256(m + j);
                    mj = Fma.MultiplyAdd(b1, Avx.Subtract(gj, mj), mj);                  // m += (1 - beta1) (g - m): torch's lerp
                    var vj = Fma.MultiplyAdd(b2c, Avx.Multiply(gj, gj), Avx.Multiply(b2, Avx.LoadVector256(v + j)));
                    Avx.Store(m + j, mj);
                    Avx.Store(v + j, vj);
                    var denom = Fma.MultiplyAdd(Avx.Sqrt(vj), inv, ev);
                    Avx.Store(p + j, Fma.MultiplyAddNegated(sv, Avx.Divide(mj, denom), Avx.LoadVector256(p + j)));
                }
                for (; j < c; j++)
                {
                    float gj = g[j] * scale;
                    g[j] = gj;
                    m[j] += (1f - Beta1) * (gj - m[j]);
                    v[j] = Beta2 * v[j] + (1f - Beta2) * gj * gj;
                    p[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) / bc2Sqrt + epsF);
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var p in _m) NativeMemory.AlignedFree(p);
        foreach (var p in _v) NativeMemory.AlignedFree(p);
    }
}
