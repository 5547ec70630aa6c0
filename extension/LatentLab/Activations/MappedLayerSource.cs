using System.IO.MemoryMappedFiles;
using LatentLab.Formats;
using TorchSharp;

namespace LatentLab.Activations;

/// <summary>
/// Activations read from a memory-mapped .npy or .safetensors file, one layer at a time: each read maps small views
/// (at most 16 MB) over the layer's bytes, converts them to float32 into the result tensor and unmaps them again, so the
/// process holds about one layer's float32 slice (mapping the whole file at once lets the kernel map every cached page
/// of it into the process, which showed up as a peak RSS of the file's size).
/// </summary>
internal sealed unsafe class MappedLayerSource : SampleBlockSource
{
    readonly string _path;
    readonly FileStream _stream;    // kept open: its length tells whether someone truncated the file since it was loaded
    readonly MemoryMappedFile _file;
    readonly LayerBlock[] _layers;
    readonly string _description;

    public MappedLayerSource(string path, LayerBlock[] layers, int n, int p, int d, string description) : base(n, p, d)
    {
        _path = path;
        _layers = layers;
        _description = description;
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try { _file = MemoryMappedFile.CreateFromFile(_stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true); }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    public override string Description => _description;
    public override string File => _path;

    /// <summary>Largest byte range mapped at once: the kernel may map whole cached folios inside a view, so views stay small.</summary>
    const long WindowBytes = 16L << 20;

    protected override ArrayDType DTypeOf(int layer) => _layers[layer].DType;

    /// <summary>Maps the layer window by window and hands every question's (P, D) block to <paramref name="write"/>.</summary>
    protected override void ForEachSample(int layer, SampleWriter write)
    {
        var block = _layers[layer];
        long chunkBytes = (long)P * D * ArrayDTypes.Size(block.DType);
        // Touching a mapped page past the end of a file truncated in place (numpy.save over it, a copy still running) ends
        // the process; check the open file still holds the layer (a file replaced by rename keeps the old data alive).
        long needed = block.Base + (N - 1) * block.StrideN + chunkBytes;
        if (_stream.Length < needed)
            throw new ActivationFileException(_path, $"the file was cut to {_stream.Length} bytes after it was loaded (layer {layer} needs bytes up to {needed}): " +
                "something overwrote it in place. Load it again once it is complete (LatentLab's writers replace files by rename, which is safe).");
        // Windows of consecutive questions whose bytes span at most WindowBytes (at least one question each).
        int perWindow = (int)Math.Clamp(1 + (WindowBytes - chunkBytes) / Math.Max(1, block.StrideN), 1, N);
        int windows = (N + perWindow - 1) / perWindow;
        Parallel.For(0, windows, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, w =>
        {
            int n0 = w * perWindow, n1 = Math.Min(N, n0 + perWindow);
            long span = (long)(n1 - n0 - 1) * block.StrideN + chunkBytes;
            using var view = _file.CreateViewAccessor(block.Base + n0 * block.StrideN, span, MemoryMappedFileAccess.Read);
            byte* basePtr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            try
            {
                byte* src = basePtr + view.PointerOffset;
                for (int n = n0; n < n1; n++) write(n, src + (n - n0) * block.StrideN, block.DType);
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        });
    }

    public override void Dispose()
    {
        _file.Dispose();
        _stream.Dispose();
    }
}
