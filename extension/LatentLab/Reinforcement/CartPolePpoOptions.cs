using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>CleanRL ppo.py's defaults for CartPole-v1 (vwxyzjn/cleanrl), plus seeds batched as one network.</summary>
public sealed record CartPolePpoOptions : IKnobRules
{
    /// <summary>Seeds trained at once (1..256).</summary>
    [Knob("--seeds", "Seeds trained at once.", Min = 1, Max = 256)]
    public int Seeds { get; init; } = 1;

    /// <summary>Base seed (any integer).</summary>
    [Knob("--seed", "Base seed.")]
    public int Seed { get; init; } = 1;

    /// <summary>Environment steps per seed over the run (CleanRL: 500000).</summary>
    [Knob("--total-timesteps", "Environment steps per seed over the run (CleanRL: 500000); at least one rollout.", Min = 1)]
    public int TotalTimesteps { get; init; } = 500000;

    /// <summary>Adam learning rate (CleanRL: 2.5e-4).</summary>
    [Knob("--lr", "Adam learning rate (CleanRL: 2.5e-4).", Min = 0, ExclusiveMin = true, Max = 1, ExclusiveMax = true)]
    public double LearningRate { get; init; } = 2.5e-4;

    /// <summary>Parallel environments per seed (CleanRL: 4).</summary>
    [Knob("--envs", "Parallel environments per seed (CleanRL: 4).", Min = 1, Max = 4096)]
    public int Envs { get; init; } = 4;

    /// <summary>Steps per environment per rollout (CleanRL: 128).</summary>
    [Knob("--steps", "Steps per environment per rollout (CleanRL: 128).", Min = 1, Max = 100000)]
    public int Steps { get; init; } = 128;

    /// <summary>Anneal the learning rate linearly to zero (CleanRL: true).</summary>
    [Knob("--anneal-lr", "Anneal the learning rate linearly to zero (CleanRL: on).")]
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Discount (CleanRL: 0.99).</summary>
    [Knob("--gamma", "Discount (CleanRL: 0.99).", Min = 0, Max = 1)]
    public double Gamma { get; init; } = 0.99;

    /// <summary>GAE lambda (CleanRL: 0.95).</summary>
    [Knob("--gae-lambda", "GAE lambda (CleanRL: 0.95).", Min = 0, Max = 1)]
    public double GaeLambda { get; init; } = 0.95;

    /// <summary>Minibatches per epoch (CleanRL: 4).</summary>
    [Knob("--minibatches", "Minibatches per epoch; must divide --envs x --steps (CleanRL: 4).", Min = 1)]
    public int Minibatches { get; init; } = 4;

    /// <summary>Update epochs (CleanRL: 4).</summary>
    [Knob("--epochs", "Update epochs (CleanRL: 4).", Min = 1, Max = 64)]
    public int Epochs { get; init; } = 4;

    /// <summary>Normalise advantages per minibatch (CleanRL: true).</summary>
    [Knob("--norm-adv", "Normalise advantages per minibatch (CleanRL: on).")]
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>Clipping range (CleanRL: 0.2).</summary>
    [Knob("--clip", "Clipping range (CleanRL: 0.2).", Min = 0, Max = 1)]
    public double Clip { get; init; } = 0.2;

    /// <summary>Clip the value loss too (CleanRL: true).</summary>
    [Knob("--clip-vloss", "Clip the value loss too (CleanRL: on).")]
    public bool ClipValueLoss { get; init; } = true;

    /// <summary>Entropy bonus (CleanRL: 0.01).</summary>
    [Knob("--entropy", "Entropy bonus (CleanRL: 0.01).", Min = 0, Max = 1)]
    public double EntropyCoefficient { get; init; } = 0.01;

    /// <summary>Value-loss weight (CleanRL: 0.5).</summary>
    [Knob("--value-coef", "Value-loss weight (CleanRL: 0.5).", Min = 0, Max = 10)]
    public double ValueCoefficient { get; init; } = 0.5;

    /// <summary>Largest gradient norm per seed (CleanRL: 0.5).</summary>
    [Knob("--max-grad-norm", "Largest gradient norm per seed (CleanRL: 0.5).", Min = 0, Max = 100)]
    public double MaxGradNorm { get; init; } = 0.5;

    /// <summary>Torch threads (0 keeps the current setting).</summary>
    [Knob("--threads", "Torch threads (0: keep the process setting).", Min = 0, Max = 256)]
    public int Threads { get; init; } = 1;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Envs * Steps % Minibatches != 0)
            yield return $"{{Minibatches}} {Minibatches} must divide {{Envs}} x {{Steps}} = {Envs * Steps} (every minibatch the same size).";
        if (TotalTimesteps < Envs * Steps)
            yield return $"{{TotalTimesteps}} {TotalTimesteps} is less than one rollout ({{Envs}} x {{Steps}} = {Envs * Steps} steps).";
    }
}
