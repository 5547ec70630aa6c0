using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// Hyper-parameters of <see cref="Grpo"/> (Shao et al. 2024, DeepSeekMath): groups of episodes per context, advantages
/// normalised within the group, no critic, the KL to the reference in the loss (k3) or in the reward.
/// </summary>
public sealed record GrpoOptions : IKnobRules
{
    /// <summary>Seeds trained at once as one batched network (1..1024).</summary>
    [Knob("--seeds", "Seeds trained at once as one batched network.", Min = 1, Max = 1024)]
    public int Seeds { get; init; } = 16;

    /// <summary>Base seed of the samples (any integer).</summary>
    [Knob("--seed", "Base seed of the samples.")]
    public int Seed { get; init; } = 1;

    /// <summary>Iterations (rollout + update), (1..100000).</summary>
    [Knob("--iterations", "RL iterations (rollout + update).", Min = 1, Max = 100000)]
    public int Iterations { get; init; } = 200;

    /// <summary>Contexts ("prompts") per seed per iteration (1..4096).</summary>
    [Knob("--prompts", "Contexts (prompts) per seed per iteration.", Min = 1, Max = 4096)]
    public int Prompts { get; init; } = 8;

    /// <summary>Episodes per context, the group (2..1024; DeepSeekMath: 64).</summary>
    [Knob("--group-size", "Episodes per context, the group (DeepSeekMath: 64).", Min = 2, Max = 1024)]
    public int GroupSize { get; init; } = 64;

    /// <summary>Adam learning rate (0..1).</summary>
    [Knob("--lr", "Adam learning rate.", Min = 0, ExclusiveMin = true, Max = 1)]
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Anneal the learning rate linearly to zero over the run.</summary>
    [Knob("--anneal-lr", "Anneal the learning rate linearly to zero over the run (--no-anneal-lr: constant).")]
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Gradient steps per rollout (mu, 1..64); the clipped ratio matters only above 1.</summary>
    [Knob("--epochs", "Gradient steps per rollout (mu); the clipped ratio matters only above 1.", Min = 1, Max = 64)]
    public int Epochs { get; init; } = 1;

    /// <summary>Clipping range of the probability ratio (0..1).</summary>
    [Knob("--clip", "Clipping range of the probability ratio.", Min = 0, Max = 1)]
    public double Clip { get; init; } = 0.2;

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

    /// <summary>Evaluate every this many iterations (1..Iterations).</summary>
    [Knob("--eval-every", "Evaluate every this many iterations (at most --iterations).", Min = 1, Max = 100000)]
    public int EvalEvery { get; init; } = 10;

    /// <summary>Evaluation contexts per (harmful, monitored) type (1..100000).</summary>
    [Knob("--eval-per-type", "Evaluation contexts per (harmful, monitored) type.", Min = 1, Max = 100000)]
    public int EvalPerType { get; init; } = 128;

    /// <summary>Seed of the evaluation set.</summary>
    [Knob("--eval-seed", "Seed of the evaluation set.")]
    public int EvalSeed { get; init; } = 777;

    /// <summary>Torch threads during the run (0 keeps the current setting); results depend on it.</summary>
    [Knob("--threads", "Torch threads during the run (0: keep the process setting); results depend on it.", Min = 0, Max = 256)]
    public int Threads { get; init; } = 1;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (EvalEvery > Iterations)
            yield return $"{{EvalEvery}} {EvalEvery} is more than {{Iterations}} {Iterations}: the run would be evaluated only at the start; use at most {Iterations}.";
    }
}
