namespace LatentLab.Reinforcement;

/// <summary>The network of an <see cref="AlignmentPolicy"/> (<see cref="PolicyOptions.Architecture"/>, <c>--policy</c>).</summary>
public enum PolicyArchitecture
{
    /// <summary>A <see cref="BatchedMlp"/>: at every decision it sees the context and every earlier decision (one-hot).</summary>
    Mlp,
    /// <summary>A <see cref="BatchedGru"/>: reads the context at the first decision, then each decision it made, one step at a time.</summary>
    Gru,
}
