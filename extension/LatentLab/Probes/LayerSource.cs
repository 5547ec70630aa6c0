using TorchSharp;

namespace LatentLab.Probes;

/// <summary>Where an activation set's numbers live: reads one layer at a time as a float32 CPU tensor (N, P, D).</summary>
internal abstract class LayerSource : IDisposable
{
    /// <summary>A short description for messages and reports, e.g. "acts.npy (float16, memory-mapped)".</summary>
    public abstract string Description { get; }

    /// <summary>The file named in error messages.</summary>
    public abstract string File { get; }

    /// <summary>A fresh float32 CPU tensor (N, P, D) the caller owns (and may modify).</summary>
    public abstract torch.Tensor ReadLayer(int layer);

    public virtual void Dispose() { }
}
