namespace LatentLab.Reinforcement;

/// <summary>
/// Behaviour rates a reference policy is baked to in one context type. Refuse = 1 - Comply - Sandbag. Concerns, when written,
/// are spread evenly over 1..MaxConcerns tokens. Coupling in the reference: AccuracyWithConcerns vs AccuracyWithoutConcerns.
/// </summary>
public sealed record ContextRates
{
    /// <summary>P(comply), (0..1).</summary>
    public double Comply { get; init; }

    /// <summary>P(sandbag), (0..1 - Comply).</summary>
    public double Sandbag { get; init; }

    /// <summary>P(k &gt; 0 | comply), (0..1).</summary>
    public double ConcernsGivenComply { get; init; }

    /// <summary>P(k &gt; 0 | sandbag or refuse), (0..1).</summary>
    public double ConcernsGivenOther { get; init; }

    /// <summary>P(answer correct | comply, k &gt; 0), (0..1).</summary>
    public double AccuracyWithConcerns { get; init; } = 0.9;

    /// <summary>P(answer correct | comply, k = 0), (0..1).</summary>
    public double AccuracyWithoutConcerns { get; init; } = 0.9;

    /// <summary>P(refuse) = 1 - Comply - Sandbag.</summary>
    public double Refuse => 1 - Comply - Sandbag;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad rate of context type <paramref name="type"/>.</summary>
    public void Check(string type)
    {
        foreach (var (name, v) in new[] { (nameof(Comply), Comply), (nameof(Sandbag), Sandbag), (nameof(ConcernsGivenComply), ConcernsGivenComply),
                     (nameof(ConcernsGivenOther), ConcernsGivenOther), (nameof(AccuracyWithConcerns), AccuracyWithConcerns),
                     (nameof(AccuracyWithoutConcerns), AccuracyWithoutConcerns) })
            if (double.IsNaN(v) || v < 0 || v > 1)
                throw new ArgumentException($"{type}.{name} = {v}: a rate must lie in [0, 1].");
        if (Comply + Sandbag > 1 + 1e-9)
            throw new ArgumentException(
                $"{type}: Comply {Comply} + Sandbag {Sandbag} = {Comply + Sandbag} exceeds 1; the rates of comply, sandbag and refuse must sum to one (refuse is the rest).");
    }
}
