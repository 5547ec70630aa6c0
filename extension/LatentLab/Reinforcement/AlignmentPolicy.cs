using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// An autoregressive policy for the <see cref="AlignmentEnvironment"/>, S seeds in one <see cref="BatchedMlp"/>.
/// At decision t it sees [context (2 + D), one-hot concerns (K + 1, zero before they are chosen or when SeesConcerns is off),
/// one-hot mode (3, zero before it is chosen), one-hot t (3)] and emits A = max(K + 1, 3, C) logits, of which the first
/// Choices[t] are valid (the rest are masked to -1e9).
/// </summary>
public sealed class AlignmentPolicy
{
    const float Masked = -1e9f;
    readonly Tensor _valid;                // (3, A) bool

    /// <summary>The stacked network (S seeds).</summary>
    public BatchedMlp Network { get; }

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

    /// <summary>Wraps an existing network (its input and output widths must fit the environment).</summary>
    public AlignmentPolicy(BatchedMlp network, AlignmentEnvironment environment, PolicyOptions options)
    {
        Network = network;
        Environment = environment;
        Options = options;
        int a = environment.Choices.Max();
        if (network.Sizes[0] != InputWidthFor(environment) || network.Sizes[^1] != a)
            throw new ArgumentException(
                $"The policy network maps {network.Sizes[0]} inputs to {network.Sizes[^1]} logits, but this environment needs " +
                $"{InputWidthFor(environment)} -> {a} (FeatureDim {environment.Options.FeatureDim}, MaxConcerns {environment.Options.MaxConcerns}, " +
                $"Classes {environment.Options.Classes}): use a policy made for the same environment shape.");
        var valid = zeros([AlignmentEnvironment.Decisions, a], ScalarType.Bool, environment.Device);
        for (int t = 0; t < AlignmentEnvironment.Decisions; t++) valid[t, ..environment.Choices[t]] = true;
        _valid = valid;
    }

    /// <summary>A fresh policy: S seeds, each initialised from <paramref name="generator"/> in turn.</summary>
    public static AlignmentPolicy Create(AlignmentEnvironment environment, PolicyOptions options, int seeds, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var net = BatchedMlp.Create(seeds, InputWidthFor(environment), options.Width, options.Depth, environment.Choices.Max(),
            options.Activation, options.OutputGain, generator, environment.Device, "policy");
        return new AlignmentPolicy(net, environment, options);
    }

    /// <summary>This policy with another network of the same shape (e.g. a replicated or trained copy).</summary>
    public AlignmentPolicy With(BatchedMlp network) => new(network, Environment, Options);

    /// <summary>
    /// The network input at decision <paramref name="step"/>: context (..., 2 + D), one-hot concerns (..., K + 1) or null,
    /// one-hot mode (..., 3) or null; all with the same leading shape. Returns (..., InputWidth).
    /// </summary>
    public Tensor Input(Tensor context, Tensor? concernsOneHot, Tensor? modeOneHot, int step)
    {
        var lead = context.shape[..^1];
        var dev = Environment.Device;
        int k1 = Environment.Options.MaxConcerns + 1;
        var k = concernsOneHot is null || !Options.SeesConcerns ? zeros([.. lead, k1], float32, dev) : concernsOneHot;
        var m = modeOneHot ?? zeros([.. lead, AlignmentEnvironment.Modes], float32, dev);
        var t = zeros([.. lead, AlignmentEnvironment.Decisions], float32, dev);
        t[TensorIndex.Ellipsis, step] = 1f;
        return cat([context, k, m, t], -1);
    }

    /// <summary>Log-probabilities of decision <paramref name="step"/> from an input (S, ..., InputWidth): (S, ..., A), invalid choices ~ -1e9.</summary>
    public Tensor LogProbs(Tensor input, int step) => LogProbs(Network, input, step);

    /// <summary>As <see cref="LogProbs(Tensor, int)"/> for another network of this shape (a reference or a copy).</summary>
    public Tensor LogProbs(BatchedMlp network, Tensor input, int step)
    {
        var logits = network.forward(input);
        return logits.masked_fill(_valid[step].logical_not(), Masked).log_softmax(-1);
    }

    /// <summary>Log-probabilities at every decision at once: inputs (S, B, 3, InputWidth) -&gt; (S, B, 3, A), one forward pass.</summary>
    public Tensor LogProbsAllDecisions(BatchedMlp network, Tensor inputs)
    {
        long s = inputs.shape[0], b = inputs.shape[1];
        var logits = network.forward(inputs.reshape(s, b * AlignmentEnvironment.Decisions, -1))
            .view(s, b, AlignmentEnvironment.Decisions, -1);                        // (S, B, 3, A)
        return logits.masked_fill(_valid.logical_not(), Masked).log_softmax(-1);
    }

    /// <summary>
    /// The exact distribution over all decision sequences: log pi(seq | context), (S, N, Sequences), from three batched forward
    /// passes over every prefix (1 + (K + 1) + 3 (K + 1) rows per context). Contexts may be (N) (shared) or (S, N).
    /// </summary>
    public Tensor SequenceLogProbs(AlignmentContexts contexts, BatchedMlp? network = null)
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
        var lp0 = LogProbs(network, in0, 0)[.., .., ..k1];                            // (S, N, K1)
        var lp1 = LogProbs(network, in1.view(s, n * k1, -1), 1).view(s, n, k1, -1)[.., .., .., ..md];      // (S, N, K1, 3)
        var lp2 = LogProbs(network, in2.view(s, n * k1 * md, -1), 2).view(s, n, k1, md, -1)[.., .., .., .., ..c]; // (S, N, K1, 3, C)
        var total = lp0.unsqueeze(-1).unsqueeze(-1) + lp1.unsqueeze(-1) + lp2;       // (S, N, K1, 3, C)
        return total.reshape(s, n, k1 * md * c);
    }
}
