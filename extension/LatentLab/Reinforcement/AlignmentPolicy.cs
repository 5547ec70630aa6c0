using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// An autoregressive policy for the <see cref="AlignmentEnvironment"/>, S seeds in one <see cref="IPolicyNetwork"/> (an MLP or
/// a GRU, <see cref="PolicyOptions.Architecture"/>). Every decision's input has the layout [context (2 + D), one-hot concerns
/// (K + 1), one-hot mode (3), one-hot t (3)], and the network emits A = max(K + 1, 3, C) logits, of which the first
/// Choices[t] are valid (the rest are masked to -1e9). What a decision's input holds depends on the network:
/// <list type="bullet">
/// <item>MLP (memoryless): everything known so far: the context, the concerns once chosen, the mode once chosen.</item>
/// <item>GRU (recurrent): only what is new: the context at t = 0, the concerns just written at t = 1, the mode just chosen at
/// t = 2; its state carries the rest.</item>
/// </list>
/// The concerns are zero in every input when SeesConcerns is off (the ablation that cannot couple them), for both networks.
/// </summary>
public sealed class AlignmentPolicy
{
    const float Masked = -1e9f;
    readonly Tensor _invalid;              // (3, A) bool: choices a decision does not have (made once: every forward pass masks with it)
    readonly Tensor[] _invalidAt;          // per decision, (A) rows of _invalid

    /// <summary>The stacked network (S seeds).</summary>
    public IPolicyNetwork Network { get; }

    /// <summary>The environment this policy acts in.</summary>
    public AlignmentEnvironment Environment { get; }

    /// <summary>Shape options it was built with.</summary>
    public PolicyOptions Options { get; }

    /// <summary>Number of seeds.</summary>
    public int Seeds => Network.Seeds;

    /// <summary>Width of the network's input.</summary>
    public int InputWidth => InputWidthFor(Environment);

    /// <summary>Width of the network's output (the largest number of choices of any decision).</summary>
    public int ActionWidth => Environment.Choices.Max();

    /// <summary>Input width of any network acting in <paramref name="environment"/>.</summary>
    public static int InputWidthFor(AlignmentEnvironment environment) =>
        environment.ContextWidth + environment.Options.MaxConcerns + 1 + AlignmentEnvironment.Modes + AlignmentEnvironment.Decisions;

    /// <summary>Wraps an existing network (its architecture must be the options', its input and output widths must fit the environment).</summary>
    public AlignmentPolicy(IPolicyNetwork network, AlignmentEnvironment environment, PolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        Network = network;
        Environment = environment;
        Options = options;
        int a = environment.Choices.Max();
        if (network.Architecture != options.Architecture)
            throw new ArgumentException(
                $"The policy network is {Name(network.Architecture)} but its options say --policy {Name(options.Architecture)}: give the options it was made with.");
        if (network.Sizes[0] != InputWidthFor(environment) || network.Sizes[^1] != a)
            throw new ArgumentException(
                $"The policy network maps {network.Sizes[0]} inputs to {network.Sizes[^1]} logits, but this environment needs " +
                $"{InputWidthFor(environment)} -> {a} (FeatureDim {environment.Options.FeatureDim}, MaxConcerns {environment.Options.MaxConcerns}, " +
                $"Classes {environment.Options.Classes}): use a policy made for the same environment shape.");
        var valid = zeros([AlignmentEnvironment.Decisions, a], ScalarType.Bool, environment.Device);
        for (int t = 0; t < AlignmentEnvironment.Decisions; t++) valid[t, ..environment.Choices[t]] = true;
        _invalid = valid.logical_not();
        _invalidAt = Enumerable.Range(0, AlignmentEnvironment.Decisions).Select(t => _invalid[t]).ToArray();
    }

    static string Name(PolicyArchitecture architecture) => architecture.ToString().ToLowerInvariant();

    /// <summary>A fresh policy: S seeds, each initialised from <paramref name="generator"/> in turn.</summary>
    public static AlignmentPolicy Create(AlignmentEnvironment environment, PolicyOptions options, int seeds, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var net = PolicyNetworks.Create(options, seeds, InputWidthFor(environment), environment.Choices.Max(), options.OutputGain, generator,
            environment.Device, "policy");
        return new AlignmentPolicy(net, environment, options);
    }

    /// <summary>This policy with another network of the same shape (e.g. a replicated or trained copy).</summary>
    public AlignmentPolicy With(IPolicyNetwork network) => new(network, Environment, Options);

    /// <summary>
    /// A fresh value network for PPO's critic, of this policy's architecture and depth (it reads the same decision inputs, so a
    /// GRU policy's critic is a GRU too): <paramref name="width"/> units, tanh, one output, output gain 1 (CleanRL's critic).
    /// </summary>
    public IPolicyNetwork CreateValueNetwork(int width, Generator generator) =>
        PolicyNetworks.Create(Options with { Width = width, Activation = MlpActivation.Tanh }, Seeds, InputWidth, 1, 1.0, generator,
            Environment.Device, "critic");

    /// <summary>The values of every decision of a batch of episodes: inputs (S, B, 3, InputWidth) -&gt; (S, B, 3).</summary>
    public static Tensor Values(IPolicyNetwork critic, Tensor inputs) => critic.Logits(inputs).squeeze(-1);

    /// <summary>
    /// The network input at decision <paramref name="step"/>: context (..., 2 + D), one-hot concerns (..., K + 1) or null,
    /// one-hot mode (..., 3) or null; all with the same leading shape. Returns (..., InputWidth): everything known for an MLP,
    /// only what is new at this decision for a recurrent network (see the class summary).
    /// </summary>
    public Tensor Input(Tensor context, Tensor? concernsOneHot, Tensor? modeOneHot, int step)
    {
        var lead = context.shape[..^1];
        var dev = Environment.Device;
        int k1 = Environment.Options.MaxConcerns + 1;
        bool recurrent = Network.IsRecurrent;
        var c = recurrent && step != 0 ? zeros_like(context) : context;
        var k = concernsOneHot is null || !Options.SeesConcerns || (recurrent && step != 1) ? zeros([.. lead, k1], float32, dev) : concernsOneHot;
        var m = modeOneHot is null || (recurrent && step != 2) ? zeros([.. lead, AlignmentEnvironment.Modes], float32, dev) : modeOneHot;
        var t = zeros([.. lead, AlignmentEnvironment.Decisions], float32, dev);
        t[TensorIndex.Ellipsis, step] = 1f;
        return cat([c, k, m, t], -1);
    }

    /// <summary>
    /// Log-probabilities of decision <paramref name="step"/> from an input (S, N, InputWidth): (S, N, A), invalid choices ~ -1e9.
    /// <paramref name="state"/> is the network's state after the previous decision of the same rows (null before the first);
    /// it is replaced by the state after this one.
    /// </summary>
    public Tensor LogProbs(Tensor input, int step, ref Tensor? state) => LogProbs(Network, input, step, ref state);

    /// <summary>As <see cref="LogProbs(Tensor, int, ref Tensor?)"/> for another network of this shape (a reference or a copy).</summary>
    public Tensor LogProbs(IPolicyNetwork network, Tensor input, int step, ref Tensor? state)
    {
        (var logits, state) = network.Step(input, state);
        return logits.masked_fill(_invalidAt[step], Masked).log_softmax(-1);
    }

    /// <summary>Log-probabilities at every decision at once: inputs (S, B, 3, InputWidth) -&gt; (S, B, 3, A) (one forward pass for an MLP).</summary>
    public Tensor LogProbsAllDecisions(IPolicyNetwork network, Tensor inputs) =>
        network.Logits(inputs).masked_fill(_invalid, Masked).log_softmax(-1);   // (S, B, 3, A)

    /// <summary>
    /// The exact distribution over all decision sequences: log pi(seq | context), (S, N, Sequences), from three batched network
    /// steps over every prefix (1 + (K + 1) + 3 (K + 1) rows per context; a recurrent network's state after each prefix is
    /// repeated into each continuation). Contexts may be (N) (shared) or (S, N).
    /// </summary>
    public Tensor SequenceLogProbs(AlignmentContexts contexts, IPolicyNetwork? network = null)
    {
        network ??= Network;
        var dev = Environment.Device;
        int k1 = Environment.Options.MaxConcerns + 1, md = AlignmentEnvironment.Modes, c = Environment.Options.Classes;
        long s = Seeds, n = contexts.Count;
        var e = contexts.Encode();
        if (e.dim() == 2) e = e.unsqueeze(0);
        e = e.expand(s, n, e.shape[^1]);                                              // (S, N, W)
        long w = e.shape[^1];
        var kEye = eye(k1, dtype: float32, device: dev);                              // (K1, K1)
        var mEye = eye(md, dtype: float32, device: dev);                              // (3, 3)
        var in0 = Input(e, null, null, 0);                                            // (S, N, in)
        var in1 = Input(e.unsqueeze(2).expand(s, n, k1, w), kEye.expand(s, n, k1, k1), null, 1); // (S, N, K1, in)
        var in2 = Input(e.unsqueeze(2).unsqueeze(3).expand(s, n, k1, md, w),
            kEye.unsqueeze(1).expand(s, n, k1, md, k1), mEye.unsqueeze(0).expand(s, n, k1, md, md), 2); // (S, N, K1, 3, in)
        Tensor? state = null;                                                         // (S, rows, width) after each prefix, or null
        var lp0 = LogProbs(network, in0, 0, ref state)[.., .., ..k1];                // (S, N, K1)
        state = state?.repeat_interleave(k1, 1);                                      // (S, N * K1, width): each context into each k
        var lp1 = LogProbs(network, in1.view(s, n * k1, -1), 1, ref state).view(s, n, k1, -1)[.., .., .., ..md];      // (S, N, K1, 3)
        state = state?.repeat_interleave(md, 1);                                      // (S, N * K1 * 3, width)
        var lp2 = LogProbs(network, in2.view(s, n * k1 * md, -1), 2, ref state).view(s, n, k1, md, -1)[.., .., .., .., ..c]; // (S, N, K1, 3, C)
        var total = lp0.unsqueeze(-1).unsqueeze(-1) + lp1.unsqueeze(-1) + lp2;       // (S, N, K1, 3, C)
        return total.reshape(s, n, k1 * md * c);
    }
}
