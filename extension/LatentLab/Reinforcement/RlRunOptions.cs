using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// The knobs PPO and GRPO share, declared once: how many seeds train at once, how long, how fast, how the run is evaluated
/// and on how many threads. <see cref="PpoOptions"/> and <see cref="GrpoOptions"/> add their own.
/// </summary>
public abstract record RlRunOptions
{
    /// <summary>Seeds trained at once as one batched network (1..1024).</summary>
    [Knob("--seeds", "Seeds trained at once as one batched network.", Min = 1, Max = 1024)]
    public int Seeds { get; init; } = 16;

    /// <summary>Base seed: seed s's network and samples follow from it (any integer).</summary>
    [Knob("--seed", "Base seed: each seed's network and samples follow from it.")]
    public int Seed { get; init; } = 1;

    /// <summary>PPO iterations (rollout + update), (1..100000).</summary>
    [Knob("--iterations", "RL iterations (rollout + update).", Min = 1, Max = 100000)]
    public int Iterations { get; init; } = 200;

    /// <summary>Adam learning rate (0..1).</summary>
    [Knob("--lr", "Adam learning rate.", Min = 0, ExclusiveMin = true, Max = 1)]
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Anneal the learning rate linearly to zero over the run (CleanRL's anneal_lr); it also settles the policy at the optimum.</summary>
    [Knob("--anneal-lr", "Anneal the learning rate linearly to zero over the run (--no-anneal-lr: constant).")]
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Clipping range of the probability ratio (0..1).</summary>
    [Knob("--clip", "Clipping range of the probability ratio.", Min = 0, Max = 1)]
    public double Clip { get; init; } = 0.2;

    /// <summary>Evaluate every this many iterations (1..Iterations); the metrics are exact on the evaluation set.</summary>
    [Knob("--eval-every", "Evaluate every this many iterations (at most --iterations); metrics are exact on the evaluation set.", Min = 1, Max = 100000)]
    public int EvalEvery { get; init; } = 10;

    /// <summary>Evaluation contexts per (harmful, monitored) type (1..100000).</summary>
    [Knob("--eval-per-type", "Evaluation contexts per (harmful, monitored) type.", Min = 1, Max = 100000)]
    public int EvalPerType { get; init; } = 128;

    /// <summary>Seed of the evaluation set (the same set for every run with this seed).</summary>
    [Knob("--eval-seed", "Seed of the evaluation set.")]
    public int EvalSeed { get; init; } = 777;

    /// <summary>Torch threads during the run (0 keeps the current setting); results depend on it.</summary>
    [Knob("--threads", "Torch threads during the run (0: keep the process setting); results depend on it.", Min = 0, Max = 256)]
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Checks these options (<see cref="OptionSchema.Check{T}"/>) and that <paramref name="reference"/> can start this run: one
    /// seed (replicated to <see cref="Seeds"/>) or as many seeds as the run trains.
    /// </summary>
    internal void CheckReference(AlignmentPolicy reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        OptionSchema.Check(this);
        if (reference.Seeds != 1 && reference.Seeds != Seeds)
            throw new ArgumentException($"The reference has {reference.Seeds} seeds but the run asks for {Seeds}: use a 1-seed reference or one with as many seeds.");
    }

    /// <summary>The policy a run starts from: a copy of <paramref name="reference"/>, its single seed replicated to <see cref="Seeds"/>.</summary>
    internal AlignmentPolicy StartingPolicy(AlignmentPolicy reference) =>
        reference.With(reference.Seeds == 1 ? reference.Network.Replicate(Seeds, "policy") : reference.Network.Copy("policy"));

    /// <summary>Rules of the shared knobs, for the derived records' <see cref="IKnobRules.BrokenRules"/>.</summary>
    protected IEnumerable<string> SharedRules()
    {
        if (EvalEvery > Iterations)
            yield return $"{{EvalEvery}} {EvalEvery} is more than {{Iterations}} {Iterations}: the run would be evaluated only at the start; use at most {Iterations}.";
    }
}
