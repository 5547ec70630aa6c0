using LatentLab.Formats;
using TorchSharp;

namespace LatentLab.Activations;

/// <summary>
/// A file source that hands a layer over question by question, each question's (P, D) block in the file's dtype:
/// the two layouts the library reads (the (N, P, D) tensor and the sweep's (P, N, D+1) slot) are filled from those
/// blocks here, once for every such source (memory-mapped .npy/.safetensors, streamed .npz).
/// </summary>
internal abstract unsafe class SampleBlockSource(int n, int p, int d) : LayerSource
{
    protected int N { get; } = n;
    protected int P { get; } = p;
    protected int D { get; } = d;

    protected delegate void SampleWriter(int question, byte* block, ArrayDType dtype);

    /// <summary>Hands every question's (P, D) block of <paramref name="layer"/> to <paramref name="write"/> (in any order, possibly in parallel).</summary>
    protected abstract void ForEachSample(int layer, SampleWriter write);

    /// <summary>The dtype of <paramref name="layer"/> in the file.</summary>
    protected abstract ArrayDType DTypeOf(int layer);

    public override torch.Tensor ReadLayer(int layer)
    {
        var result = torch.empty([N, P, D], torch.float32);                     // (N, P, D), filled in place
        var dst = (float*)TensorMemory.Pointer(result);
        long chunk = (long)P * D;
        ForEachSample(layer, (i, src, dtype) => ArrayDTypes.ToFloat(dtype, src, dst + i * chunk, chunk));
        return result;
    }

    /// <summary>Fills the sweep's (P, N, D+1) slot straight from the file: no (N, P, D) copy in between.</summary>
    public override void ReadLayerTransposed(int layer, torch.Tensor dest)
    {
        var dst = (float*)TensorMemory.Pointer(dest);                            // (P, N, D+1)
        long rowBytes = (long)D * ArrayDTypes.Size(DTypeOf(layer));
        ForEachSample(layer, (i, src, dtype) =>
        {
            for (int q = 0; q < P; q++)
                ArrayDTypes.ToFloat(dtype, src + q * rowBytes, dst + ((long)q * N + i) * (D + 1), D);
        });
    }
}
