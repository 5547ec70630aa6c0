using System.IO.Compression;
using LatentLab.Formats;
using TorchSharp;

namespace LatentLab.Activations;

/// <summary>
/// Activations inside a .npz archive (stored or deflated entries): each layer read streams through the entry and keeps
/// only that layer's bytes, so memory stays at about one layer's slice.
/// </summary>
internal sealed unsafe class ZipLayerSource(string path, LayerBlock[] layers, int n, int p, int d, string description) : SampleBlockSource(n, p, d)
{
    public override string Description => description;
    public override string File => path;

    protected override ArrayDType DTypeOf(int layer) => layers[layer].DType;

    /// <summary>Reads the entry once, front to back, and hands every question's (P, D) block of the layer to <paramref name="write"/>.</summary>
    protected override void ForEachSample(int layer, SampleWriter write)
    {
        var block = layers[layer];
        int chunkBytes = checked((int)((long)P * D * ArrayDTypes.Size(block.DType)));
        using var archive = NpzFile.OpenRead(path);
        var entry = archive.GetEntry(block.Entry) ?? throw new ActivationFileException(path, $"entry '{block.Entry}' disappeared from the archive since it was opened; load it again.");
        using var stream = NpzFile.Guard(path, block.Entry, entry.Open);
        NpzFile.Guard(path, block.Entry, () => { ReadEntry(stream, layer, block, chunkBytes, write); return true; });
    }

    void ReadEntry(Stream stream, int layer, LayerBlock block, int chunkBytes, SampleWriter write)
    {
        var buffer = new byte[Math.Max(chunkBytes, 1 << 16)];
        long position = 0;
        for (int i = 0; i < N; i++)
        {
            long start = block.Base + i * block.StrideN;
            Skip(stream, start - position, buffer);
            if (NpyFile.ReadFully(stream, buffer, 0, chunkBytes) < chunkBytes)
                throw new ActivationFileException(path, $"truncated: entry '{block.Entry}' ends before sample {i} of layer {layer}. Re-save the archive with numpy.savez.");
            position = start + chunkBytes;
            fixed (byte* b = buffer)
                write(i, b, block.DType);
        }
    }

    void Skip(Stream s, long count, byte[] scratch)
    {
        while (count > 0)
        {
            int got = s.Read(scratch, 0, (int)Math.Min(count, scratch.Length));
            if (got == 0) throw new ActivationFileException(path, "truncated: an entry ends early. Re-save the archive with numpy.savez.");
            count -= got;
        }
    }
}
