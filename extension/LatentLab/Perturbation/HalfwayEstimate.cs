namespace LatentLab.Perturbation;

/// <summary>
/// s50 (or k50) of one metric: the point estimate from the mean curve over noise seeds and its percentile-bootstrap 95%
/// interval over noise seeds (a resample whose mean curve never gets halfway counts as the top of the grid, so the upper
/// end can be censored there). NaN where <see cref="Status"/> is NotReached or AtChance.
/// </summary>
public sealed record HalfwayEstimate(string Metric, double Value, double Low, double High, double Clean, double Chance,
    HalfwayStatus Status, int Seeds)
{
    public override string ToString() => Status switch
    {
        HalfwayStatus.NotReached => $"{Metric}: not halfway to chance on the grid (clean {Clean:0.###}, chance {Chance:0.###})",
        HalfwayStatus.AtChance => $"{Metric}: already at chance ({Clean:0.###})",
        _ => $"{Metric}: {Value:0.####} [{Low:0.####}, {High:0.####}] (clean {Clean:0.###} -> chance {Chance:0.###}, {Seeds} seeds)",
    };
}
