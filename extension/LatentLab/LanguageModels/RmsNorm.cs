using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// RMSNorm over the last dimension: x / sqrt(mean(x²) + eps), then times the weight, computed in float32.
/// Llama/Qwen cast back to the activation dtype before multiplying by w; Gemma multiplies by (1 + w) in float32 and
/// casts last (the stored Gemma weight is the offset from 1).
/// </summary>
public sealed class RmsNorm(Tensor weight, double eps, bool gemma) : IDisposable
{
    readonly Tensor _weight = weight;  // (D) in the compute dtype
    readonly Tensor? _gemmaScale = gemma ? (weight.to(float32) + 1.0).DetachFromDisposeScope() : null;  // (D) float32: 1 + w

    public Tensor Forward(Tensor x)
    {
        var xf = x.to(float32);
        var normed = xf * (xf.pow(2).mean([-1], keepdim: true) + eps).rsqrt();
        // The weight is multiplied in place into normed (or its cast), a fresh tensor: the same products as w * normed,
        // one activation-sized buffer fewer per norm (5 norms a layer, 4-8 MB each at 8 x 128 tokens of a 0.6B model).
        return _gemmaScale is { } scale ? normed.mul_(scale).to(x.dtype) : normed.to(x.dtype).mul_(_weight);
    }

    public void Dispose()
    {
        _weight.Dispose();
        _gemmaScale?.Dispose();
    }
}
