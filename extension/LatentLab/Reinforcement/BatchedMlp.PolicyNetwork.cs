using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// <see cref="BatchedMlp"/> as an <see cref="IPolicyNetwork"/>: memoryless, so a decision's input must carry the whole
/// history (what <see cref="AlignmentPolicy.Input"/> builds for it) and <see cref="Step"/> passes no state. Parameters, in
/// order: w0, b0, w1, b1, ...; the last layer is the head; w0's rows are the network's inputs.
/// </summary>
public sealed partial class BatchedMlp : IPolicyNetwork
{
    StackedParameter[]? _stacked;

    /// <inheritdoc />
    public PolicyArchitecture Architecture => PolicyArchitecture.Mlp;

    /// <inheritdoc />
    public bool IsRecurrent => false;

    /// <inheritdoc />
    public IReadOnlyList<StackedParameter> StackedParameters => _stacked ??= Enumerable.Range(0, LayerCount).SelectMany(l => new[]
    {
        new StackedParameter($"w{l}", Weight(l), l, false, l == LayerCount - 1, l == 0),
        new StackedParameter($"b{l}", Bias(l), l, true, l == LayerCount - 1, false),
    }).ToArray();

    /// <summary>Shapes of every parameter, in <see cref="StackedParameters"/> order, for <paramref name="sizes"/> = input, hidden..., output.</summary>
    public static IReadOnlyList<long[]> ParameterShapes(int seeds, int[] sizes)
    {
        if (sizes.Length < 2) throw new ArgumentException($"MLP sizes [{string.Join(", ", sizes)}]: give at least the input and output sizes.");
        return Enumerable.Range(0, sizes.Length - 1).SelectMany(l => new long[][] { [seeds, sizes[l], sizes[l + 1]], [seeds, 1, sizes[l + 1]] }).ToArray();
    }

    /// <inheritdoc />
    public (Tensor Logits, Tensor? State) Step(Tensor input, Tensor? state) => (forward(input), null);

    /// <inheritdoc />
    /// <remarks>Every decision in one forward pass: the T inputs are independent rows.</remarks>
    public Tensor Logits(Tensor inputs)
    {
        long s = inputs.shape[0], n = inputs.shape[1], t = inputs.shape[2];
        return forward(inputs.reshape(s, n * t, -1)).view(s, n, t, -1);             // (S', N, T, out)
    }

    IPolicyNetwork IPolicyNetwork.Replicate(int times, string? name) => Replicate(times, name);
    IPolicyNetwork IPolicyNetwork.Copy(string? name) => Copy(name);
    IPolicyNetwork IPolicyNetwork.SelectSeed(int seed) => SelectSeed(seed);

    IPolicyNetwork IPolicyNetwork.WithTensors(IReadOnlyList<Tensor> stacks, string name)
    {
        if (stacks.Count != 2 * LayerCount)
            throw new ArgumentException($"{stacks.Count} tensors for an MLP of {LayerCount} layers: give w0, b0, w1, ... (one weight and one bias per layer).");
        return FromStacked(stacks, Activation, name);
    }

    /// <summary>A network from tensors in <see cref="StackedParameters"/> order, w0, b0, w1, b1, ... (taken over, not copied).</summary>
    public static BatchedMlp FromStacked(IReadOnlyList<Tensor> stacks, MlpActivation activation, string name = nameof(BatchedMlp)) =>
        FromTensors(stacks.Where((_, i) => i % 2 == 0).ToArray(), stacks.Where((_, i) => i % 2 == 1).ToArray(), activation, name);
}
