using System.IO.Compression;
using TorchSharp;

namespace LatentLab.Probes;

/// <summary>
/// Activations inside a .npz archive (stored or deflated entries): each layer read streams through the entry and keeps
/// only that layer's bytes, so memory stays at about one layer's slice (the sweep's read writes straight into its own
/// layout, without a second copy).
/// </summary>
internal sealed unsafe class ZipLayerSource(string path, LayerBlock[] layers, int n, int p, int d, string description) : LayerSource
{
    public override string Description => description;
    public override string File => path;

    public override torch.Tensor ReadLayer(int layer)
    {
        var result = torch.empty([n, p, d], torch.float32);                     // (N, P, D), filled in place below
        var dst = (float*)TensorMemory.Pointer(result);
        long chunk = (long)p * d;
        Stream(layer, (i, src, dtype) => ArrayDTypes.ToFloat(dtype, src, dst + i * chunk, chunk));
        return result;
    }

    /// <summary>Streams the layer straight into the sweep's (P, N, D+1) layout: no (N, P, D) copy in between.</summary>
    public override void ReadLayerTransposed(int layer, torch.Tensor dest)
    {
        var dst = (float*)TensorMemory.Pointer(dest);                            // (P, N, D+1)
        long rowBytes = (long)d * ArrayDTypes.Size(layers[layer].DType);
        Stream(layer, (i, src, dtype) =>
        {
            for (int q = 0; q < p; q++)
                ArrayDTypes.ToFloat(dtype, src + q * rowBytes, dst + ((long)q * n + i) * (d + 1), d);
        });
    }

    delegate void SampleWriter(int i, byte* src, ArrayDType dtype);

    /// <summary>Reads the entry once, front to back, and hands every question's (P, D) block of the layer to <paramref name="write"/>.</summary>
    void Stream(int layer, SampleWriter write)
    {
        var block = layers[layer];
        int chunkBytes = checked((int)((long)p * d * ArrayDTypes.Size(block.DType)));
        using var archive = ZipFile.OpenRead(path);
        var entry = archive.GetEntry(block.Entry) ?? throw new ActivationFileException(path, $"entry '{block.Entry}' disappeared from the archive.");
        using var stream = entry.Open();
        var buffer = new byte[Math.Max(chunkBytes, 1 << 16)];
        long position = 0;
        for (int i = 0; i < n; i++)
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
