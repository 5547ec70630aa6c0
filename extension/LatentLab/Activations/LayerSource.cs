using LatentLab.Formats;
using TorchSharp;

namespace LatentLab.Activations;

/// <summary>Where an activation set's numbers live: reads one layer at a time as a float32 CPU tensor (N, P, D).</summary>
internal abstract class LayerSource : IDisposable
{
    /// <summary>A short description for messages and reports, e.g. "acts.npy (float16, memory-mapped)".</summary>
    public abstract string Description { get; }

    /// <summary>The file named in error messages.</summary>
    public abstract string File { get; }

    /// <summary>A fresh float32 CPU tensor (N, P, D) the caller owns (and may modify).</summary>
    public abstract torch.Tensor ReadLayer(int layer);

    /// <summary>
    /// Writes layer <paramref name="layer"/> into <paramref name="dest"/>, a contiguous float32 CPU tensor (P, N, D+1), leaving
    /// its last column alone: the sweep's layout, filled without an intermediate (N, P, D) copy where the source allows.
    /// </summary>
    public virtual void ReadLayerTransposed(int layer, torch.Tensor dest)
    {
        using var t = ReadLayer(layer);                                          // (N, P, D)
        long d = t.shape[2];
        dest[torch.TensorIndex.Ellipsis, torch.TensorIndex.Slice(0, d)].copy_(t.permute(1, 0, 2));
    }

    public virtual void Dispose() { }
}
