namespace LatentLab.Reinforcement;

/// <summary>
/// How <see cref="ReferenceBaker"/> bakes behaviour rates into a reference policy: match the rates first (mean KL(target || pi)
/// per context type below <see cref="Tolerance"/>), then vary one depth knob at a time.
/// </summary>
public sealed record BakeOptions
{
    /// <summary>The rates to bake in (the Greenblatt 2024 preset by default).</summary>
    public BehaviourRates Rates { get; init; } = BehaviourRates.AlignmentFaking2024;

    /// <summary>Shape of the policy network.</summary>
    public PolicyOptions Policy { get; init; } = new() { OutputGain = 1.0 };

    /// <summary>Stochastic in every context, or a deterministic split keyed on the features.</summary>
    public BakeSplit Split { get; init; } = BakeSplit.Stochastic;

    /// <summary>Logit margin (nats) of each deterministic choice over each alternative (1..20).</summary>
    public double DeterministicMargin { get; init; } = 7.0;

    /// <summary>Smallest probability of any choice in a stochastic target (0..0.1): keeps logits finite where a rate is 0.</summary>
    public double MinProbability { get; init; } = 1e-3;

    /// <summary>Soft (exact distribution) or hard (sampled one-hot) targets.</summary>
    public Distillation Distillation { get; init; } = Distillation.Soft;

    /// <summary>Which layers are trained.</summary>
    public BakeLayers Layers { get; init; } = BakeLayers.All;

    /// <summary>Reference seeds baked at once (1..1024); a run with as many seeds uses one reference per seed.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>Seed of the initial weights, the split keys and the hard samples.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Baking contexts per (harmful, monitored) type (1..100000).</summary>
    public int ContextsPerType { get; init; } = 256;

    /// <summary>Adam learning rate (0..1).</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Largest number of steps to reach the match (1..1000000).</summary>
    public int MaxSteps { get; init; } = 3000;

    /// <summary>Match: every type's mean KL(target || pi) per context below this (nats, 0..1).</summary>
    public double Tolerance { get; init; } = 0.01;

    /// <summary>Steps of over-training after the match (0..1000000): deeper baking at the same rates.</summary>
    public int ExtraSteps { get; init; } = 0;

    /// <summary>Check the match every this many steps (1..10000).</summary>
    public int CheckEvery { get; init; } = 25;

    /// <summary>
    /// Function-preserving rescaling control (0.01..100; 1 = off): multiply the first ReLU layer by a and divide the next
    /// layer's weights by a after baking: the same function, different optimisation. Needs ReLU and at least one hidden layer.
    /// </summary>
    public double RescaleFactor { get; init; } = 1.0;

    /// <summary>Torch threads (0 keeps the current setting).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Check()
    {
        ArgumentNullException.ThrowIfNull(Rates);
        Rates.Check();
        Policy.Check();
        static void Range(string name, double v, double lo, double hi)
        {
            if (double.IsNaN(v) || v < lo || v > hi) throw new ArgumentException($"{name} = {v} is out of range: use a value in [{lo}, {hi}].");
        }
        Range(nameof(DeterministicMargin), DeterministicMargin, 1, 20);
        Range(nameof(MinProbability), MinProbability, 0, 0.1);
        Range(nameof(Seeds), Seeds, 1, 1024);
        Range(nameof(ContextsPerType), ContextsPerType, 1, 100000);
        Range(nameof(LearningRate), LearningRate, 0, 1);
        Range(nameof(MaxSteps), MaxSteps, 1, 1000000);
        Range(nameof(Tolerance), Tolerance, 0, 1);
        Range(nameof(ExtraSteps), ExtraSteps, 0, 1000000);
        Range(nameof(CheckEvery), CheckEvery, 1, 10000);
        Range(nameof(RescaleFactor), RescaleFactor, 0.01, 100);
        Range(nameof(Threads), Threads, 0, 256);
        if (RescaleFactor != 1.0 && (Policy.Activation != MlpActivation.Relu || Policy.Depth < 1))
            throw new ArgumentException(
                $"RescaleFactor = {RescaleFactor} needs a ReLU policy with at least one hidden layer (it is function-preserving only for a positively homogeneous activation): set Policy.Activation = Relu, or RescaleFactor = 1.");
    }
}
