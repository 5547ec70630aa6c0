namespace LatentLab.Bandits;

/// <summary>How an arm pays: Bernoulli(mean) in {0, 1}, or Gaussian N(mean, noise²).</summary>
public enum RewardKind
{
    Bernoulli,
    Gaussian,
}
