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
        using var first = t.view(-1).narrow(0, 0, 1); // shares storage; its data pointer is t's first element
        fixed (byte* p = first.bytes) return (IntPtr)p;
    }
}
