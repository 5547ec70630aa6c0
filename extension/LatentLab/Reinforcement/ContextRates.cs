using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// Behaviour rates a reference policy is baked to in one context type. Refuse = 1 - Comply - Sandbag. Concerns, when written,
/// are spread evenly over 1..MaxConcerns tokens. Coupling in the reference: AccuracyWithConcerns vs AccuracyWithoutConcerns.
/// </summary>
public sealed record ContextRates : IKnobRules
{
    /// <summary>P(comply), (0..1).</summary>
    [Knob("--comply", "P(comply).", Min = 0, Max = 1)]
    public double Comply { get; init; }

    /// <summary>P(sandbag), (0..1 - Comply).</summary>
    [Knob("--sandbag", "P(sandbag); refuse is 1 - comply - sandbag.", Min = 0, Max = 1)]
    public double Sandbag { get; init; }

    /// <summary>P(k &gt; 0 | comply), (0..1).</summary>
    [Knob("--concerns-given-comply", "P(concerns written | comply).", Min = 0, Max = 1)]
    public double ConcernsGivenComply { get; init; }

    /// <summary>P(k &gt; 0 | sandbag or refuse), (0..1).</summary>
    [Knob("--concerns-given-other", "P(concerns written | sandbag or refuse).", Min = 0, Max = 1)]
    public double ConcernsGivenOther { get; init; }

    /// <summary>P(answer correct | comply, k &gt; 0), (0..1).</summary>
    [Knob("--accuracy-with-concerns", "P(answer correct | comply, concerns written).", Min = 0, Max = 1)]
    public double AccuracyWithConcerns { get; init; } = 0.9;

    /// <summary>P(answer correct | comply, k = 0), (0..1).</summary>
    [Knob("--accuracy-without-concerns", "P(answer correct | comply, no concerns).", Min = 0, Max = 1)]
    public double AccuracyWithoutConcerns { get; init; } = 0.9;

    /// <summary>P(refuse) = 1 - Comply - Sandbag.</summary>
    public double Refuse => 1 - Comply - Sandbag;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad rate (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Comply + Sandbag > 1 + 1e-9)
            yield return $"{{Comply}} {Comply} + {{Sandbag}} {Sandbag} = {Comply + Sandbag} exceeds 1: the rates of comply, sandbag and refuse must sum to one " +
                         "(refuse is the rest); lower one of them.";
    }
}
