namespace LatentLab.Bandits;

/// <summary>
/// Which bandits to draw: <paramref name="Arms"/> arms (K >= 2); per episode the arm means are drawn from U(0,1)
/// unless <paramref name="Means"/> fixes them (the same K means for every episode); Gaussian arms have standard
/// deviation <paramref name="NoiseStd"/>.
/// </summary>
public sealed record BanditSpec(int Arms = 5, RewardKind Reward = RewardKind.Bernoulli, double[]? Means = null, double NoiseStd = 1.0)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the problem and the fix.</summary>
    public void Validate()
    {
        if (Arms < 2)
            throw new ArgumentException($"A bandit needs at least 2 arms (got {Arms}); use --arms 2 or more.", nameof(Arms));
        if (Means is not null)
        {
            if (Means.Length != Arms)
                throw new ArgumentException($"{Means.Length} arm means were given for {Arms} arms; give exactly one mean per arm.", nameof(Means));
            if (Reward == RewardKind.Bernoulli && Means.Any(m => m < 0 || m > 1 || double.IsNaN(m)))
                throw new ArgumentException("Bernoulli arm means must lie in [0, 1].", nameof(Means));
            if (Means.Any(m => !double.IsFinite(m)))
                throw new ArgumentException("Arm means must be finite numbers.", nameof(Means));
        }
        if (Reward == RewardKind.Gaussian && !(NoiseStd > 0 && double.IsFinite(NoiseStd)))
            throw new ArgumentException($"Gaussian arms need a positive noise standard deviation (got {NoiseStd}).", nameof(NoiseStd));
    }
}
