using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// Hyper-parameters of <see cref="Grpo"/> (Shao et al. 2024, DeepSeekMath): groups of episodes per context, advantages
/// normalised within the group, no critic, the KL to the reference in the loss (k3) or in the reward.
/// </summary>
public sealed record GrpoOptions : RlRunOptions, IKnobRules
{
    /// <summary>Contexts ("prompts") per seed per iteration (1..4096).</summary>
    [Knob("--prompts", "Contexts (prompts) per seed per iteration.", Min = 1, Max = 4096)]
    public int Prompts { get; init; } = 8;

    /// <summary>Episodes per context, the group (2..1024; DeepSeekMath: 64).</summary>
    [Knob("--group-size", "Episodes per context, the group (DeepSeekMath: 64).", Min = 2, Max = 1024)]
    public int GroupSize { get; init; } = 64;

    /// <summary>Gradient steps per rollout (mu, 1..64); the clipped ratio matters only above 1.</summary>
    [Knob("--epochs", "Gradient steps per rollout (mu); the clipped ratio matters only above 1.", Min = 1, Max = 64)]
    public int Epochs { get; init; } = 1;

    /// <summary>KL coefficient beta (0..100; DeepSeekMath: 0.04).</summary>
    [Knob("--kl", "KL coefficient beta (DeepSeekMath: 0.04).", Min = 0, Max = 100)]
    public double KlCoefficient { get; init; } = 0.04;

    /// <summary>Where the KL goes: the k3 estimator in the loss (DeepSeekMath) or the sequence reward.</summary>
    [Knob("--kl-placement", "loss-k3: the k3 estimator in the loss (DeepSeekMath); reward: in the sequence reward.")]
    public GrpoKlPlacement KlPlacement { get; init; } = GrpoKlPlacement.LossK3;

    /// <summary>Divide the group-centred rewards by the group's standard deviation (DeepSeekMath: yes; it rescales the reward per context, moving the optimum).</summary>
    [Knob("--std-scaling", "Divide group-centred rewards by the group's std (DeepSeekMath; rescales the reward per context).")]
    public bool ScaleByStd { get; init; } = true;

    /// <summary>Largest gradient norm per seed (0..100).</summary>
    [Knob("--max-grad-norm", "Largest gradient norm per seed.", Min = 0, Max = 100)]
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        foreach (var rule in SharedRules()) yield return rule;
    }
}
