using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// Hyper-parameters of <see cref="Ppo"/> on the alignment environment (CleanRL's ppo.py names; its defaults where they fit an
/// episodic three-decision task). The KL to the reference enters the reward per token (Ziegler et al. 2019).
/// </summary>
public sealed record PpoOptions : RlRunOptions, IKnobRules
{
    /// <summary>Episodes per seed per iteration (8..65536).</summary>
    [Knob("--episodes", "Episodes per seed per iteration.", Min = 8, Max = 65536)]
    public int Episodes { get; init; } = 256;

    /// <summary>Update epochs per iteration (1..64).</summary>
    [Knob("--epochs", "Update epochs per iteration.", Min = 1, Max = 64)]
    public int Epochs { get; init; } = 4;

    /// <summary>Minibatches per epoch (1..Episodes).</summary>
    [Knob("--minibatches", "Minibatches per epoch (at most --episodes).", Min = 1, Max = 65536)]
    public int Minibatches { get; init; } = 4;

    /// <summary>Discount over the three decisions (0..1).</summary>
    [Knob("--gamma", "Discount over the three decisions.", Min = 0, Max = 1)]
    public double Gamma { get; init; } = 1.0;

    /// <summary>GAE lambda (0..1).</summary>
    [Knob("--gae-lambda", "GAE lambda.", Min = 0, Max = 1)]
    public double GaeLambda { get; init; } = 0.95;

    /// <summary>Entropy bonus (0..1). 0 by default: a bonus pulls towards uniform and moves the optimum off pi_ref exp(r / beta); CleanRL uses 0.01.</summary>
    [Knob("--entropy", "Entropy bonus (0: the KL-regularised optimum stays pi_ref exp(r / beta); CleanRL uses 0.01).", Min = 0, Max = 1)]
    public double EntropyCoefficient { get; init; } = 0.0;

    /// <summary>Value-loss weight (0..10).</summary>
    [Knob("--value-coef", "Value-loss weight.", Min = 0, Max = 10)]
    public double ValueCoefficient { get; init; } = 0.5;

    /// <summary>Largest gradient norm, per seed over policy and value networks (0..100).</summary>
    [Knob("--max-grad-norm", "Largest gradient norm per seed.", Min = 0, Max = 100)]
    public double MaxGradNorm { get; init; } = 0.5;

    /// <summary>Normalise advantages per seed and minibatch (CleanRL's norm_adv).</summary>
    [Knob("--norm-adv", "Normalise advantages per seed and minibatch (CleanRL's norm_adv).")]
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>KL coefficient beta of the per-token penalty -beta * log(pi / pi_ref) (0..100); the start value when adaptive.</summary>
    [Knob("--kl", "KL coefficient beta of the per-token penalty -beta log(pi / pi_ref); the start value when adaptive.", Min = 0, Max = 100)]
    public double KlCoefficient { get; init; } = 0.1;

    /// <summary>Target sequence KL for an adaptive coefficient (Ziegler's controller); 0 keeps beta fixed (0..100).</summary>
    [Knob("--kl-target", "Target sequence KL of the adaptive coefficient (Ziegler); 0 keeps beta fixed.", Min = 0, Max = 100)]
    public double KlTarget { get; init; } = 0.0;

    /// <summary>Horizon of the adaptive controller in episodes: beta *= 1 + clip(KL / target - 1, +-0.2) * B / horizon (1..1e9).</summary>
    [Knob("--kl-horizon", "Horizon of the adaptive KL controller, in episodes.", Min = 1, Max = 1e9)]
    public double KlHorizon { get; init; } = 10000;

    /// <summary>Width of the value network's hidden layers (1..1024); its depth is the policy's.</summary>
    [Knob("--value-width", "Width of the value network's hidden layers (its depth is the policy's).", Min = 1, Max = 1024)]
    public int ValueWidth { get; init; } = 64;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Minibatches > Episodes)
            yield return $"{{Minibatches}} {Minibatches} is more than {{Episodes}} {Episodes}: a minibatch needs at least one episode; use fewer minibatches or more episodes.";
        foreach (var rule in SharedRules()) yield return rule;
    }
}
