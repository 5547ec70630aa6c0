using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// A batched bandit policy: B episodes at once. <see cref="Act"/> is called with the number of pulls made so far
/// (0 for the first pull); <see cref="Observe"/> then gets the chosen arms and the rewards they paid.
/// </summary>
public interface IBanditPolicy : IDisposable
{
    /// <summary>Name used in results (the classic ones: random, greedy, eps-greedy, ucb1, thompson; a trained student: student).</summary>
    string Name { get; }

    /// <summary>Clears all state for a new batch of episodes; <paramref name="seed"/> seeds the policy's own randomness.</summary>
    void Reset(long batch, int arms, Device device, long seed);

    /// <summary>(B,) int64 arms to pull at this step.</summary>
    Tensor Act(int step);

    /// <summary><paramref name="actions"/> (B,) int64, <paramref name="rewards"/> (B,) float32.</summary>
    void Observe(Tensor actions, Tensor rewards);
}
