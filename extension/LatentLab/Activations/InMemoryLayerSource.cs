using LatentLab.Formats;
using TorchSharp;

namespace LatentLab.Activations;

/// <summary>Activations held in a float32 CPU tensor (N, L, P, D).</summary>
internal sealed class InMemoryLayerSource(torch.Tensor activations, string description) : LayerSource
{
    readonly torch.Tensor _acts = activations; // (N, L, P, D) float32, CPU

    public override string Description => description;
    public override string File => description;

    public override torch.Tensor ReadLayer(int layer)
    {
        var slice = _acts.select(1, layer); // (N, P, D) view
        return torch.empty(slice.shape, torch.float32).copy_(slice);
    }

    public override void Dispose() => _acts.Dispose();
}
