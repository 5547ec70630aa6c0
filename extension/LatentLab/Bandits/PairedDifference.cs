namespace LatentLab.Bandits;

/// <summary>
/// <paramref name="Policy"/> (a candidate policy, e.g. the student) minus <paramref name="Reference"/> (UCB1) cumulative
/// regret after each step, paired episode by episode on the same bandits and reward tape: mean difference with its
/// 95% CI. Negative = the candidate has less regret.
/// </summary>
public sealed record PairedDifference(string Policy, string Reference, double[] Difference, double[] Low, double[] High)
{
    public MeanCi At(int step) => new(Difference[step - 1], Low[step - 1], High[step - 1], 0);
}
