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
        return _gemmaScale is { } scale ? (normed * scale).to(x.dtype) : _weight * normed.to(x.dtype);
    }

    public void Dispose()
    {
        _weight.Dispose();
        _gemmaScale?.Dispose();
    }
}
