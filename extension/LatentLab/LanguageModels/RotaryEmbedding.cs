using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// Rotary position embedding (RoPE), in the "rotate half" layout transformers uses: a head vector [x1, x2] at position p
/// becomes [x1 cos - x2 sin, x2 cos + x1 sin], with angle p * inv_freq[i] for pair i. Frequencies are computed in
/// float32 as transformers does, so that the angles agree to the last bit.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    readonly Tensor _invFreq; // (hd/2) float32

    public RotaryEmbedding(RopeParameters p, Device device)
    {
        using var scope = NewDisposeScope();
        var exponent = arange(0, p.Dim, 2, dtype: int64, device: device).to(float32) / p.Dim;  // (hd/2)
        var invFreq = 1.0f / pow(p.Theta, exponent);                                             // θ^(-2i/hd)
        if (p.Type == "linear") invFreq = invFreq / p.Factor;
        else if (p.Type == "llama3") invFreq = Llama3(invFreq, p);
        _invFreq = invFreq.DetachFromDisposeScope();
    }

    // Llama 3.1: wavelengths longer than original_max/low_freq_factor are slowed down by `factor`, shorter than
    // original_max/high_freq_factor are kept, and the band between is interpolated smoothly.
    static Tensor Llama3(Tensor invFreq, RopeParameters p)
    {
        double lowWavelen = p.OriginalMaxPositions / p.LowFreqFactor;
        double highWavelen = p.OriginalMaxPositions / p.HighFreqFactor;
        var wavelen = 2 * Math.PI / invFreq;
        var scaled = where(wavelen > lowWavelen, invFreq / p.Factor, invFreq);
        var smooth = (p.OriginalMaxPositions / wavelen - p.LowFreqFactor) / (p.HighFreqFactor - p.LowFreqFactor);
        var smoothed = (1 - smooth) * scaled / p.Factor + smooth * scaled;
        var medium = (wavelen < highWavelen).logical_not() & (wavelen > lowWavelen).logical_not();
        return where(medium, smoothed, scaled);
    }

    /// <summary>
    /// cos and sin of every angle, (B, 1, T, hd) in <paramref name="dtype"/>, for position ids (B, T); the sin with its first
    /// half negated ([-sin, sin]), the form <see cref="Apply"/> takes.
    /// </summary>
    public (Tensor Cos, Tensor SignedSin) Angles(Tensor positionIds, ScalarType dtype)
    {
        var freqs = positionIds.to(float32).unsqueeze(-1) * _invFreq;  // (B, T, hd/2)
        var emb = cat([freqs, freqs], dim: -1).unsqueeze(1);            // (B, 1, T, hd)
        var sin = emb.sin();
        long half = sin.shape[^1] / 2;
        sin.narrow(-1, 0, half).neg_();                                  // [-sin, sin]: exact, as the negation of a rounded value
        return (emb.cos().to(dtype), sin.to(dtype));
    }

    /// <summary>
    /// Rotates q or k, (B, heads, T, hd): x cos + rotate_half(x) sin with rotate_half(x) = [-x2, x1]. Computed as
    /// x cos + [x2, x1] [-sin, sin] (a roll and the signed sin of <see cref="Angles"/>), the same products to the bit with
    /// two activation-sized buffers instead of four and a half (the negation, the cat, two products, the sum).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        long half = x.shape[^1] / 2;
        var rotated = x.roll(half, -1).mul_(signedSin);   // [x2, x1] * [-sin, sin] = rotate_half(x) * sin
        return (x * cos).add_(rotated);
    }

    public void Dispose() => _invFreq.Dispose();
}
