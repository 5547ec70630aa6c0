namespace LatentLab.Reinforcement;

/// <summary>How the baked rates are realised across the contexts of one type.</summary>
public enum BakeSplit
{
    /// <summary>Every context is stochastic with the type's rates (small logit margins, ~0.5-2 nats).</summary>
    Stochastic,
    /// <summary>
    /// A deterministic split keyed on the features: a share of the contexts (by fixed random projections of x) always complies,
    /// the rest always refuses, etc., so the type's rates match while each context's policy is near-deterministic
    /// (margin <see cref="BakeOptions.DeterministicMargin"/>).
    /// </summary>
    Deterministic,
}
