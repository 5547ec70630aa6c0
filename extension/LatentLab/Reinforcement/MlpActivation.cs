namespace LatentLab.Reinforcement;

/// <summary>Hidden-layer nonlinearity of a <see cref="BatchedMlp"/>.</summary>
public enum MlpActivation
{
    /// <summary>tanh (CleanRL's choice for PPO).</summary>
    Tanh,
    /// <summary>ReLU: positively homogeneous, so the function-preserving rescaling control applies.</summary>
    Relu,
}
