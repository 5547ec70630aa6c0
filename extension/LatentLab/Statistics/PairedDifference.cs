namespace LatentLab.Statistics;

/// <summary>
/// One policy minus a reference after each step (e.g. the student minus UCB1 cumulative regret), paired episode by
/// episode on the same bandits and reward tape: mean difference with its 95% CI. Negative = less than the reference.
/// </summary>
public sealed record PairedDifference(string Policy, string Reference, double[] Difference, double[] Low, double[] High)
{
    public MeanCi At(int step) => new(Difference[step - 1], Low[step - 1], High[step - 1], 0);
}
