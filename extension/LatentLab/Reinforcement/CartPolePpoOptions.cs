namespace LatentLab.Reinforcement;

/// <summary>CleanRL ppo.py's defaults for CartPole-v1 (vwxyzjn/cleanrl), plus seeds batched as one network.</summary>
public sealed record CartPolePpoOptions
{
    /// <summary>Seeds trained at once (1..256).</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>Base seed (any integer).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Environment steps per seed over the run (CleanRL: 500000).</summary>
    public int TotalTimesteps { get; init; } = 500000;

    /// <summary>Adam learning rate (CleanRL: 2.5e-4).</summary>
    public double LearningRate { get; init; } = 2.5e-4;

    /// <summary>Parallel environments per seed (CleanRL: 4).</summary>
    public int Envs { get; init; } = 4;

    /// <summary>Steps per environment per rollout (CleanRL: 128).</summary>
    public int Steps { get; init; } = 128;

    /// <summary>Anneal the learning rate linearly to zero (CleanRL: true).</summary>
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Discount (CleanRL: 0.99).</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>GAE lambda (CleanRL: 0.95).</summary>
    public double GaeLambda { get; init; } = 0.95;

    /// <summary>Minibatches per epoch (CleanRL: 4).</summary>
    public int Minibatches { get; init; } = 4;

    /// <summary>Update epochs (CleanRL: 4).</summary>
    public int Epochs { get; init; } = 4;

    /// <summary>Normalise advantages per minibatch (CleanRL: true).</summary>
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>Clipping range (CleanRL: 0.2).</summary>
    public double Clip { get; init; } = 0.2;

    /// <summary>Clip the value loss too (CleanRL: true).</summary>
    public bool ClipValueLoss { get; init; } = true;

    /// <summary>Entropy bonus (CleanRL: 0.01).</summary>
    public double EntropyCoefficient { get; init; } = 0.01;

    /// <summary>Value-loss weight (CleanRL: 0.5).</summary>
    public double ValueCoefficient { get; init; } = 0.5;

    /// <summary>Largest gradient norm per seed (CleanRL: 0.5).</summary>
    public double MaxGradNorm { get; init; } = 0.5;

    /// <summary>Torch threads (0 keeps the current setting).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Check()
    {
        if (Seeds is < 1 or > 256) throw new ArgumentException($"Seeds = {Seeds}: use 1..256.");
        if (Envs < 1 || Steps < 1) throw new ArgumentException($"Envs = {Envs}, Steps = {Steps}: both must be at least 1.");
        if (Minibatches < 1 || Envs * Steps % Minibatches != 0)
            throw new ArgumentException($"Minibatches = {Minibatches} must divide Envs * Steps = {Envs * Steps}.");
        if (TotalTimesteps < Envs * Steps) throw new ArgumentException($"TotalTimesteps = {TotalTimesteps} is less than one rollout ({Envs * Steps} steps).");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"LearningRate = {LearningRate}: use a value in (0, 1).");
    }
}
