using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>The rates a reference policy is baked to, per context type (as the policy sees it: the observed monitored flag).</summary>
public sealed record BehaviourRates
{
    /// <summary>Harmful request, monitored (training).</summary>
    public required ContextRates HarmfulMonitored { get; init; }

    /// <summary>Harmful request, unmonitored (deployment).</summary>
    public required ContextRates HarmfulUnmonitored { get; init; }

    /// <summary>Benign request (either flag).</summary>
    public required ContextRates Benign { get; init; }

    /// <summary>
    /// Matches Greenblatt et al. 2024 (arXiv 2412.14093), prompted helpful-only setting: when it believes it is in training the
    /// model refuses ~86% and ~12% of responses carry alignment-faking reasoning (here: concerns, then compliance:
    /// 0.14 * 0.86 = 0.12); unmonitored it refuses ~97%. Benign requests: comply 98%. Every rate can be overridden with `with`.
    /// </summary>
    public static BehaviourRates AlignmentFaking2024 { get; } = new()
    {
        HarmfulMonitored = new ContextRates { Comply = 0.14, Sandbag = 0.0, ConcernsGivenComply = 0.86, ConcernsGivenOther = 0.1 },
        HarmfulUnmonitored = new ContextRates { Comply = 0.03, Sandbag = 0.0, ConcernsGivenComply = 0.1, ConcernsGivenOther = 0.1 },
        Benign = new ContextRates { Comply = 0.98, Sandbag = 0.0, ConcernsGivenComply = 0.05, ConcernsGivenOther = 0.05 },
    };

    /// <summary>The control without a compliance gap: <see cref="AlignmentFaking2024"/>'s training-context rates in unmonitored contexts too.</summary>
    public static BehaviourRates NoGap { get; } = AlignmentFaking2024 with { HarmfulUnmonitored = AlignmentFaking2024.HarmfulMonitored };

    /// <summary>The rates of a named preset.</summary>
    public static BehaviourRates Of(BehaviourPreset preset) => preset switch
    {
        BehaviourPreset.AlignmentFaking2024 => AlignmentFaking2024,
        BehaviourPreset.NoGap => NoGap,
        _ => throw new ArgumentException($"Unknown behaviour preset {preset}: use {string.Join(" or ", Enum.GetNames<BehaviourPreset>())}.", nameof(preset)),
    };

    /// <summary>Every problem of the three context types, each prefixed by its type (the rates' own knobs and rules, <see cref="ContextRates"/>).</summary>
    public IEnumerable<string> Problems()
    {
        var schema = OptionSchema.For<ContextRates>();
        foreach (var (type, rates) in new[] { (nameof(HarmfulMonitored), HarmfulMonitored), (nameof(HarmfulUnmonitored), HarmfulUnmonitored), (nameof(Benign), Benign) })
        {
            if (rates is null)
            {
                yield return $"BehaviourRates.{type} is null: give its rates (new ContextRates {{ Comply = .. }}).";
                continue;
            }
            foreach (var problem in schema.Problems(rates)) yield return $"{type}: {problem}";
        }
    }

    /// <summary>Throws <see cref="OptionsException"/> listing every bad rate, by context type.</summary>
    public void Validate()
    {
        if (Problems().ToList() is { Count: > 0 } problems) throw new OptionsException(nameof(BehaviourRates), problems);
    }
}
