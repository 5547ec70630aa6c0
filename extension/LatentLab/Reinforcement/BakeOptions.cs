using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// How <see cref="ReferenceBaker"/> bakes behaviour rates into a reference policy: match the rates first (mean KL(target || pi)
/// per context type below <see cref="Tolerance"/>), then vary one depth knob at a time.
/// </summary>
public sealed record BakeOptions : IKnobRules
{
    /// <summary>The rates to bake in (the Greenblatt 2024 preset by default).</summary>
    public BehaviourRates Rates { get; init; } = BehaviourRates.AlignmentFaking2024;

    /// <summary>Shape of the policy network.</summary>
    public PolicyOptions Policy { get; init; } = new() { OutputGain = 1.0 };

    /// <summary>Stochastic in every context, or a deterministic split keyed on the features.</summary>
    [Knob("--split", "stochastic: the rates in every context; deterministic: a split keyed on the features (large margins).")]
    public BakeSplit Split { get; init; } = BakeSplit.Stochastic;

    /// <summary>Logit margin (nats) of each deterministic choice over each alternative (1..20).</summary>
    [Knob("--margin", "Logit margin (nats) of each deterministic choice over each alternative.", Min = 1, Max = 20)]
    public double DeterministicMargin { get; init; } = 7.0;

    /// <summary>Smallest probability of any choice in a stochastic target (0..0.1): keeps logits finite where a rate is 0.</summary>
    [Knob("--min-probability", "Smallest probability of any choice in a stochastic target (keeps logits finite where a rate is 0).", Min = 0, Max = 0.1)]
    public double MinProbability { get; init; } = 1e-3;

    /// <summary>Soft (exact distribution) or hard (sampled one-hot) targets.</summary>
    [Knob("--distillation", "soft: the exact target distribution; hard: sampled one-hot demonstrations.")]
    public Distillation Distillation { get; init; } = Distillation.Soft;

    /// <summary>Which layers are trained.</summary>
    [Knob("--layers", "Which layers baking trains: all, or head-only (the behaviour lives in the output layer).")]
    public BakeLayers Layers { get; init; } = BakeLayers.All;

    /// <summary>Reference seeds baked at once (1..1024); a run with as many seeds uses one reference per seed.</summary>
    [Knob("--seeds", "Reference seeds baked at once; a run with as many seeds uses one reference per seed.", Min = 1, Max = 1024)]
    public int Seeds { get; init; } = 1;

    /// <summary>Seed of the initial weights, the split keys and the hard samples.</summary>
    [Knob("--seed", "Seed of the initial weights, the split keys and the hard samples.")]
    public int Seed { get; init; } = 1;

    /// <summary>Baking contexts per (harmful, monitored) type (1..100000).</summary>
    [Knob("--contexts-per-type", "Baking contexts per (harmful, monitored) type.", Min = 1, Max = 100000)]
    public int ContextsPerType { get; init; } = 256;

    /// <summary>Adam learning rate (0..1).</summary>
    [Knob("--lr", "Adam learning rate of baking.", Min = 0, ExclusiveMin = true, Max = 1)]
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Largest number of steps to reach the match (1..1000000).</summary>
    [Knob("--max-steps", "Largest number of steps to reach the match.", Min = 1, Max = 1000000)]
    public int MaxSteps { get; init; } = 3000;

    /// <summary>Match: every type's mean KL(target || pi) per context below this (nats, 0..1).</summary>
    [Knob("--tolerance", "Match: every type's mean KL(target || pi) per context below this (nats).", Min = 0, Max = 1)]
    public double Tolerance { get; init; } = 0.01;

    /// <summary>Steps of over-training after the match (0..1000000): deeper baking at the same rates.</summary>
    [Knob("--extra-steps", "Steps of over-training after the match: deeper baking at the same rates.", Min = 0, Max = 1000000)]
    public int ExtraSteps { get; init; } = 0;

    /// <summary>Check the match every this many steps (1..10000).</summary>
    [Knob("--check-every", "Check the match every this many steps.", Min = 1, Max = 10000)]
    public int CheckEvery { get; init; } = 25;

    /// <summary>
    /// Function-preserving rescaling control (0.01..100; 1 = off): multiply the first ReLU layer by a and divide the next
    /// layer's weights by a after baking: the same function, different optimisation. Needs ReLU and at least one hidden layer.
    /// </summary>
    [Knob("--rescale", "Function-preserving rescaling control a (1: off): first ReLU layer times a, the next divided by a.", Min = 0.01, Max = 100)]
    public double RescaleFactor { get; init; } = 1.0;

    /// <summary>Torch threads (0 keeps the current setting).</summary>
    [Knob("--threads", "Torch threads during baking (0: keep the process setting).", Min = 0, Max = 256)]
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed, then checks the one rule
    /// that crosses into the nested <see cref="Policy"/> (a front end sets the policy's knobs separately, so it is checked here,
    /// once both are known, and not in <see cref="BrokenRules"/>).
    /// </summary>
    public void Validate()
    {
        OptionSchema.Check(this);
        if (RescaleFactor != 1.0 && (Policy.Architecture != PolicyArchitecture.Mlp || Policy.Activation != MlpActivation.Relu || Policy.Depth < 1))
            throw new OptionsException(nameof(BakeOptions), [OptionSchema.For<BakeOptions>().Expand(
                $"{{RescaleFactor}} {RescaleFactor} needs a ReLU policy with at least one hidden layer, an MLP (rescaling is function-preserving only " +
                (Policy.Architecture == PolicyArchitecture.Mlp
                    ? $"for a positively homogeneous activation; this policy is {Policy.Activation} with {Policy.Depth} hidden layers): "
                    : $"for a positively homogeneous activation, which a GRU's sigmoid and tanh are not; this policy is --policy {Policy.Architecture.ToString().ToLowerInvariant()}): ") +
                "use --policy mlp --activation relu (PolicyOptions.Activation = Relu), or --rescale 1.")]);
    }

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Rates is null)
        {
            yield return "BakeOptions.Rates is null: give the rates to bake, e.g. BehaviourRates.AlignmentFaking2024.";
            yield break;
        }
        foreach (var problem in Rates.Problems()) yield return problem;
        if (Policy is null)
        {
            yield return "BakeOptions.Policy is null: give the policy shape, e.g. new PolicyOptions().";
            yield break;
        }
        foreach (var problem in OptionSchema.For<PolicyOptions>().Problems(Policy)) yield return problem;
    }
}
