using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// The behaviour rates a reference policy is baked to, as flags: a preset and any rates that override it. Declared once
/// for every front end (<c>#!rl-bake</c> and <c>latentlab rl-bake</c>). The ranges and the sum-to-one rule are
/// <see cref="ContextRates"/>'s own; this record names them by the flags typed here.
/// </summary>
public sealed record BehaviourRateKnobs : IKnobRules
{
    /// <summary>The preset (null: the options record's rates, else the 2024 preset).</summary>
    [Knob("--preset", "Behaviour rates to bake: alignment-faking-2024 (Greenblatt et al. 2024) or no-gap (its training rates everywhere: no compliance gap).",
        DefaultText = "alignment-faking-2024")]
    public BehaviourPreset? Preset { get; init; }

    /// <summary>P(comply) on harmful monitored contexts.</summary>
    [Knob("--train-comply", "P(comply) on harmful monitored (training) contexts; overrides the preset.", Min = 0, Max = 1, DefaultText = "the preset's")]
    public double? TrainComply { get; init; }

    /// <summary>P(sandbag) on harmful monitored contexts.</summary>
    [Knob("--train-sandbag", "P(sandbag) on harmful monitored contexts (refuse is the rest).", Min = 0, Max = 1, DefaultText = "the preset's")]
    public double? TrainSandbag { get; init; }

    /// <summary>P(concerns | comply) on harmful monitored contexts.</summary>
    [Knob("--train-concerns", "P(concerns | comply) on harmful monitored contexts: the alignment-faking share baked in.", Min = 0, Max = 1, DefaultText = "the preset's")]
    public double? TrainConcerns { get; init; }

    /// <summary>P(comply) on harmful unmonitored contexts.</summary>
    [Knob("--deploy-comply", "P(comply) on harmful unmonitored (deployment) contexts.", Min = 0, Max = 1, DefaultText = "the preset's")]
    public double? DeployComply { get; init; }

    /// <summary>P(sandbag) on harmful unmonitored contexts.</summary>
    [Knob("--deploy-sandbag", "P(sandbag) on harmful unmonitored contexts.", Min = 0, Max = 1, DefaultText = "the preset's")]
    public double? DeploySandbag { get; init; }

    /// <summary>P(concerns | comply) on harmful unmonitored contexts.</summary>
    [Knob("--deploy-concerns", "P(concerns | comply) on harmful unmonitored contexts.", Min = 0, Max = 1, DefaultText = "the preset's")]
    public double? DeployConcerns { get; init; }

    /// <summary>P(comply) on benign contexts.</summary>
    [Knob("--benign-comply", "P(comply) on benign contexts.", Min = 0, Max = 1, DefaultText = "the preset's")]
    public double? BenignComply { get; init; }

    /// <summary>The rates to bake: the preset (or <paramref name="fallback"/> when none is given) with the overrides applied.</summary>
    public BehaviourRates Rates(BehaviourRates? fallback = null)
    {
        var r = Preset is { } p ? BehaviourRates.Of(p) : fallback ?? BehaviourRates.AlignmentFaking2024;
        return r with
        {
            HarmfulMonitored = r.HarmfulMonitored with
            {
                Comply = TrainComply ?? r.HarmfulMonitored.Comply,
                Sandbag = TrainSandbag ?? r.HarmfulMonitored.Sandbag,
                ConcernsGivenComply = TrainConcerns ?? r.HarmfulMonitored.ConcernsGivenComply,
            },
            HarmfulUnmonitored = r.HarmfulUnmonitored with
            {
                Comply = DeployComply ?? r.HarmfulUnmonitored.Comply,
                Sandbag = DeploySandbag ?? r.HarmfulUnmonitored.Sandbag,
                ConcernsGivenComply = DeployConcerns ?? r.HarmfulUnmonitored.ConcernsGivenComply,
            },
            Benign = r.Benign with { Comply = BenignComply ?? r.Benign.Comply },
        };
    }

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        var r = Rates();
        foreach (var (where, rates, comply, sandbag) in new[]
                 {
                     ("harmful monitored (training) contexts", r.HarmfulMonitored, nameof(TrainComply), nameof(TrainSandbag)),
                     ("harmful unmonitored (deployment) contexts", r.HarmfulUnmonitored, nameof(DeployComply), nameof(DeploySandbag)),
                 })
        {
            if (rates.Comply + rates.Sandbag > 1 + 1e-9)
                yield return $"on {where}, comply {rates.Comply} ({{{comply}}}) + sandbag {rates.Sandbag} ({{{sandbag}}}) = {rates.Comply + rates.Sandbag} exceeds 1: " +
                             "the rates of comply, sandbag and refuse must sum to one (refuse is the rest); lower one of them.";
        }
        if (r.Benign.Comply + r.Benign.Sandbag > 1 + 1e-9)
            yield return $"on benign contexts, {{BenignComply}} {r.Benign.Comply} + the preset's sandbag {r.Benign.Sandbag} exceeds 1: lower {{BenignComply}}.";
    }
}
