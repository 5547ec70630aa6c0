namespace LatentLab.Reinforcement;

/// <summary>Named behaviour rates to bake into a reference (<see cref="BehaviourRates.Of"/>).</summary>
public enum BehaviourPreset
{
    /// <summary>Greenblatt et al. 2024, prompted helpful-only setting (<see cref="BehaviourRates.AlignmentFaking2024"/>).</summary>
    AlignmentFaking2024,

    /// <summary>
    /// The control without a compliance gap: the 2024 preset's training-context rates in unmonitored contexts too, so the
    /// reference does not condition on the monitored flag (<see cref="BehaviourRates.NoGap"/>).
    /// </summary>
    NoGap,
}
