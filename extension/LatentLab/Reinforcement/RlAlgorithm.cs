namespace LatentLab.Reinforcement;

/// <summary>The RL algorithm of a run on the alignment environment.</summary>
public enum RlAlgorithm
{
    /// <summary><see cref="Ppo"/>: clipped loss, value head, GAE, per-token KL to the reference in the reward.</summary>
    Ppo,

    /// <summary><see cref="Grpo"/>: group-normalised advantages, no critic, k3 KL in the loss (or in the reward).</summary>
    Grpo,
}
