using System.IO.MemoryMappedFiles;
using TorchSharp;

namespace LatentLab.Probes;

/// <summary>
/// Activations read from a memory-mapped .npy or .safetensors file, one layer at a time: each read maps a view of the
/// layer's byte range, converts it to float32 and unmaps it again, so the process holds about one layer's slice.
/// </summary>
internal sealed unsafe class MappedLayerSource : LayerSource
{
    readonly string _path;
    readonly MemoryMappedFile _file;
    readonly LayerBlock[] _layers;
    readonly int _n, _p, _d;
    readonly string _description;

    public MappedLayerSource(string path, LayerBlock[] layers, int n, int p, int d, string description)
    {
        _path = path;
        _layers = layers;
        (_n, _p, _d) = (n, p, d);
        _description = description;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
    }

    public override string Description => _description;
    public override string File => _path;

    public override torch.Tensor ReadLayer(int layer)
    {
        var block = _layers[layer];
        long chunk = (long)_p * _d;
        long chunkBytes = chunk * ArrayDTypes.Size(block.DType);
        long span = (long)(_n - 1) * block.StrideN + chunkBytes;
        var values = new float[(long)_n * chunk]; // (N, P, D) row-major
        using var view = _file.CreateViewAccessor(block.Base, span, MemoryMappedFileAccess.Read);
        byte* basePtr = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            var src = (IntPtr)(basePtr + view.PointerOffset);
            fixed (float* dstPtr = values)
            {
            var dst = (IntPtr)dstPtr;
            var dtype = block.DType;
            long stride = block.StrideN;
            Parallel.For(0, _n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, n =>
                ArrayDTypes.ToFloat(dtype, (byte*)src + n * stride, (float*)dst + n * chunk, chunk));
            }
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        return torch.tensor(values, [_n, _p, _d]);
    }

    public override void Dispose() => _file.Dispose();
}
