using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// Relative Gaussian noise on layer outputs, for <see cref="IPerturbationSubject.EvaluateWithHook"/>: h' = h + s * RMS_k(h) * eps,
/// RMS_k over everything copy k computes at that layer in that call (so each copy's noise is relative to its own
/// activations). eps comes from one CPU generator seeded per sweep point, drawn in call order: the same seed and the same
/// shapes give the same draws (two networks of the same shape are paired).
/// </summary>
public sealed class ActivationNoise : IDisposable
{
    readonly Generator _generator;
    readonly double _scale;
    readonly PerturbationScope _scope;
    readonly int _layers;

    /// <param name="layers">Number of hookable layers of the subject.</param>
    public ActivationNoise(double scale, PerturbationScope scope, int layers, long seed)
    {
        _scale = scale;
        _scope = scope;
        _layers = layers;
        _generator = new Generator((ulong)seed, CPU);
    }

    /// <summary>The hook: (layer, h (K, ..., width)) -&gt; h perturbed where the scope covers the layer.</summary>
    public Tensor Apply(int layer, Tensor h)
    {
        if (!_scope.MatchesLayer(layer, _layers)) return h;
        // Draw for every layer in scope even at s = 0, so the stream (and the pairing) does not depend on s.
        var eps = randn(h.shape, float32, CPU, generator: _generator).to(h.device);       // (K, ..., width)
        if (_scale == 0) return h;
        var rms = h.pow(2).flatten(1).mean([1]).sqrt();                                    // (K)
        var shape = Enumerable.Repeat(1L, (int)h.dim()).ToArray();
        shape[0] = h.shape[0];
        return h + eps * (rms.view(shape) * _scale);
    }

    public void Dispose() => _generator.Dispose();
}
