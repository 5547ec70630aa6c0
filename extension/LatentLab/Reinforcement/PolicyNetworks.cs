using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>Makes the <see cref="IPolicyNetwork"/> a <see cref="PolicyOptions.Architecture"/> names: fresh, or from stored tensors.</summary>
public static class PolicyNetworks
{
    /// <summary>
    /// A fresh network of <paramref name="options"/>' architecture: an MLP of Depth hidden layers of Width units, or Depth
    /// stacked GRU layers of Width units under a linear head; S seeds drawn from <paramref name="generator"/> in turn.
    /// </summary>
    public static IPolicyNetwork Create(PolicyOptions options, int seeds, int input, int output, double outputGain, Generator generator,
        Device device, string name) => options.Architecture switch
    {
        PolicyArchitecture.Gru => BatchedGru.Create(seeds, input, options.Width, options.Depth, output, outputGain, generator, device, name),
        _ => BatchedMlp.Create(seeds, input, options.Width, options.Depth, output, options.Activation, outputGain, generator, device, name),
    };

    /// <summary>Shapes of every parameter of a network of this architecture and <paramref name="sizes"/> (input, hidden..., output), in storage order.</summary>
    public static IReadOnlyList<long[]> ParameterShapes(PolicyArchitecture architecture, int seeds, int[] sizes) => architecture switch
    {
        PolicyArchitecture.Gru => BatchedGru.ParameterShapes(seeds, sizes),
        _ => BatchedMlp.ParameterShapes(seeds, sizes),
    };

    /// <summary>A network from tensors in <see cref="ParameterShapes"/> order (taken over, not copied).</summary>
    public static IPolicyNetwork FromTensors(PolicyArchitecture architecture, MlpActivation activation, IReadOnlyList<Tensor> stacks, string name) =>
        architecture switch
        {
            PolicyArchitecture.Gru => BatchedGru.FromTensors(stacks, name),
            _ => BatchedMlp.FromStacked(stacks, activation, name),
        };
}
