using LatentLab.Statistics;

namespace LatentLab.Bandits;

/// <summary>Cumulative pseudo-regret of one policy after each step 1..T: mean over episodes with its 95% CI.</summary>
public sealed record PolicyCurve(string Policy, double[] Regret, double[] Low, double[] High)
{
    public int Horizon => Regret.Length;

    /// <summary>Mean cumulative regret after <paramref name="step"/> pulls (1-based).</summary>
    public MeanCi At(int step) => new(Regret[step - 1], Low[step - 1], High[step - 1], 0);
}
