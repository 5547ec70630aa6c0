using TorchSharp;

namespace LatentLab.Formats;

/// <summary>Raw access to a contiguous CPU tensor's memory, so file data can be converted straight into it (no managed copy).</summary>
internal static class TensorMemory
{
    /// <summary>Address of the first element of a contiguous CPU tensor (valid while the tensor lives).</summary>
    public static unsafe IntPtr Pointer(torch.Tensor t)
    {
        if (t.device_type != DeviceType.CPU || !t.is_contiguous())
            throw new InvalidOperationException("TensorMemory.Pointer needs a contiguous CPU tensor.");
        // t.bytes is a span over the whole tensor (0.1 us), but its length is an int: a tensor of 2 GB or more goes through
        // a one-element view of its first element instead (a view and a narrow: ~4.5 us, which the decoding kernel's ~200
        // calls per token, four pointers each, used to pay every time).
        if (t.NumberOfElements * t.ElementSize <= int.MaxValue)
            fixed (byte* p = t.bytes) return (IntPtr)p;
        // Both views are disposed here: an undisposed one would hold t's storage until the GC finalised it (a 2 GiB
        // tensor disposed by its owner then stayed resident).
        using var flat = t.view(-1);
        using var first = flat.narrow(0, 0, 1);       // shares storage; its data pointer is t's first element
        fixed (byte* p = first.bytes) return (IntPtr)p;
    }
}
