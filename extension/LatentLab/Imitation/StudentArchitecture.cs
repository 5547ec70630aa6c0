namespace LatentLab.Imitation;

/// <summary>How the student LSTM sees the bandit.</summary>
public enum StudentArchitecture
{
    /// <summary>
    /// One LSTM shared by all arms (weights tied): arm k's LSTM sees "was I pulled last step, and what did I pay",
    /// and a linear head turns its hidden state into arm k's score; the policy is the softmax over the K scores.
    /// Permutation-equivariant, works for any K, and matches the shape of UCB1 (an index policy).
    /// </summary>
    PerArm,

    /// <summary>
    /// The textbook student: one LSTM over [one-hot previous action, previous reward (, t/H)] and a linear head to K logits.
    /// Kept as the baseline: past the training horizon its t/H input leaves the range it was trained on and it stops
    /// imitating UCB1 (docs/bandit-student.md).
    /// </summary>
    Joint,
}
