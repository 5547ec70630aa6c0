using TorchSharp;

namespace LatentLab.Activations;

/// <summary>
/// Activations held in a contiguous CPU tensor (N, L, P, D) of any float type, usually sharing the caller's memory
/// (<see cref="ActivationSet.FromTensor"/>): each read converts one layer to float32, so float16 / bfloat16 activations
/// stay at their own size in memory.
/// </summary>
internal sealed class InMemoryLayerSource(torch.Tensor activations, string description) : LayerSource
{
    readonly torch.Tensor _acts = activations; // (N, L, P, D), CPU, contiguous, float16 / bfloat16 / float32 / float64

    public override string Description => description;
    public override string File => description;

    public override torch.Tensor ReadLayer(int layer)
    {
        var slice = _acts.select(1, layer);                                         // (N, P, D) view
        return torch.empty(slice.shape, torch.float32).copy_(slice);                // a float32 copy the caller owns
    }

    /// <summary>Converts straight into the sweep's (P, N, D+1) slot: no (N, P, D) float32 copy in between.</summary>
    public override void ReadLayerTransposed(int layer, torch.Tensor dest)
    {
        using var slice = _acts.select(1, layer);                                   // (N, P, D) view
        using var permuted = slice.permute(1, 0, 2);                                // (P, N, D) view
        using var target = dest[torch.TensorIndex.Ellipsis, torch.TensorIndex.Slice(0, slice.shape[2])]; // (P, N, D) view of dest
        target.copy_(permuted);
    }

    public override void Dispose() => _acts.Dispose();
}
