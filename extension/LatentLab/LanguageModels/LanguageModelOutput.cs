using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.LanguageModels;

/// <summary>
/// What one forward pass returns, as transformers defines it: <see cref="Logits"/> (B, T, V);
/// <see cref="HiddenStates"/> (L+1, B, T, D): [0] the embedding output, [i] the residual after layer i-1, and [L] the
/// final RMSNorm of the last layer's output; <see cref="LayerOutputs"/> (L, B, T, D): the residual after each layer
/// (no final norm). All in the model's compute dtype, on its device.
/// </summary>
public sealed class LanguageModelOutput(Tensor logits, Tensor hiddenStates, Tensor layerOutputs) : IDisposable
{
    public Tensor Logits { get; } = logits;
    public Tensor HiddenStates { get; } = hiddenStates;
    public Tensor LayerOutputs { get; } = layerOutputs;

    public void Dispose()
    {
        Logits.Dispose();
        HiddenStates.Dispose();
        LayerOutputs.Dispose();
    }
}
