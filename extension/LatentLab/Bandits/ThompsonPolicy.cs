using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// Thompson sampling: draw one plausible mean per arm from the posterior and pull the best draw.
/// Bernoulli arms: Beta(1 + successes, 1 + failures) from a Beta(1,1) prior, sampled as G1 / (G1 + G2) with gammas.
/// Gaussian arms (known noise sd): prior N(0.5, 1), posterior N(m, 1/p) with p = 1 + n / sd², m = (0.5 + sum / sd²) / p.
/// </summary>
public sealed class ThompsonPolicy : StatisticsPolicy
{
    public ThompsonPolicy(RewardKind reward = RewardKind.Bernoulli, double noiseStd = 1.0)
    {
        Reward = reward;
        NoiseStd = noiseStd;
    }

    public RewardKind Reward { get; }
    public double NoiseStd { get; }

    public override string Name => PolicyNames.Thompson;

    /// <summary>(B, K) one posterior sample per arm.</summary>
    public static Tensor Sample(Tensor counts, Tensor sums, RewardKind reward, double noiseStd, Generator generator)
    {
        using var scope = NewDisposeScope();
        if (reward == RewardKind.Bernoulli)
        {
            var a = _standard_gamma(sums + 1f, generator);                  // (B, K)
            var b = _standard_gamma(counts - sums + 1f, generator);         // (B, K)
            return (a / (a + b)).MoveToOuterDisposeScope();
        }
        double v = noiseStd * noiseStd;
        var precision = counts / v + 1.0;                                   // (B, K)
        var mean = (sums / v + 0.5) / precision;
        var z = randn(counts.shape, dtype: float32, device: counts.device, generator: generator);
        return (mean + z / precision.sqrt()).MoveToOuterDisposeScope();
    }

    protected override Tensor Decide(ArmStatistics s, int step, Generator generator) =>
        TieBreaking.FirstMaximum(Sample(s.Counts, s.Sums, Reward, NoiseStd, generator));
}
