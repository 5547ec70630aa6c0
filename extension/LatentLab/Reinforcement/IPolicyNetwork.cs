using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// S independent policy networks stored as one with stacked weights (every parameter (S, ...)), as an
/// <see cref="AlignmentPolicy"/> uses them: <see cref="BatchedMlp"/> (memoryless: each decision's input carries the whole
/// history) or <see cref="BatchedGru"/> (recurrent: each decision's input carries only what is new, the state the rest).
/// Seeds never mix: a loss summed over seeds gives each seed its own gradient. A network with S = 1 broadcasts over any
/// number of seeds in its input.
/// </summary>
public interface IPolicyNetwork : IDisposable
{
    /// <summary>Which network this is.</summary>
    PolicyArchitecture Architecture { get; }

    /// <summary>True when decisions are chained through a state (<see cref="Step"/>); false when each input stands alone.</summary>
    bool IsRecurrent { get; }

    /// <summary>Number of stacked networks (seeds).</summary>
    int Seeds { get; }

    /// <summary>Layer sizes: input, hidden..., output.</summary>
    int[] Sizes { get; }

    /// <summary>Layers whose output <see cref="OutputHook"/> sees: every hidden layer, then the head (whose output is the logits).</summary>
    int LayerCount { get; }

    /// <summary>
    /// Optional hook on each layer's output: (layer, h (S', N, size)) -&gt; the h the rest of the network sees (the next layer and,
    /// for a recurrent network, the next step). Null leaves the network unchanged. Used by activation-noise sweeps.
    /// </summary>
    Func<int, Tensor, Tensor>? OutputHook { get; set; }

    /// <summary>
    /// One decision: input (S', N, in) and the state the previous decision left (null at the first decision) -&gt; logits
    /// (S', N, out) and the state for the next decision, (S', N, width) (null for a memoryless network). Rows are independent,
    /// so a state may be repeated along N to branch into every continuation.
    /// </summary>
    (Tensor Logits, Tensor? State) Step(Tensor input, Tensor? state);

    /// <summary>The logits of whole episodes: inputs (S', N, T, in) of decisions 0..T-1 -&gt; (S', N, T, out), decision t seeing inputs 0..t.</summary>
    Tensor Logits(Tensor inputs);

    /// <summary>Every parameter, in a fixed order (checkpoints store them in it; perturbation noise is drawn in it).</summary>
    IReadOnlyList<StackedParameter> StackedParameters { get; }

    /// <summary>The parameters to optimise (nn.Module's).</summary>
    IEnumerable<Parameter> parameters(bool recurse = true);

    /// <summary>A deep copy with every seed's network repeated <paramref name="times"/> times: S -&gt; S * times (seed-major).</summary>
    IPolicyNetwork Replicate(int times, string? name = null);

    /// <summary>A deep copy (same seeds), detached from this network's graph.</summary>
    IPolicyNetwork Copy(string? name = null);

    /// <summary>Only seed <paramref name="seed"/>'s network, as a 1-seed copy.</summary>
    IPolicyNetwork SelectSeed(int seed);

    /// <summary>
    /// A network of this architecture (and nonlinearity) from other tensors, (K, ...) each, in <see cref="StackedParameters"/>
    /// order (taken over, not copied): K perturbed or fine-tuned copies.
    /// </summary>
    IPolicyNetwork WithTensors(IReadOnlyList<Tensor> stacks, string name);
}
