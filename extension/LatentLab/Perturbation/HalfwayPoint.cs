namespace LatentLab.Perturbation;

/// <summary>
/// s50: the smallest noise scale at which a curve has moved halfway from its clean value to chance (down or up, whichever
/// way chance lies). Between grid points the crossing is interpolated linearly in log s (linearly in s next to s = 0).
/// </summary>
public static class HalfwayPoint
{
    /// <summary>Values closer than this to chance count as at chance.</summary>
    public const double Tolerance = 1e-9;

    /// <summary>The halfway point of <paramref name="curve"/> (one value per <paramref name="grid"/> point) and how it was found.</summary>
    public static (double Value, HalfwayStatus Status) Find(IReadOnlyList<double> grid, IReadOnlyList<double> curve, double clean, double chance)
    {
        if (grid.Count != curve.Count)
            throw new ArgumentException($"{grid.Count} grid points but {curve.Count} curve values: give one value per point.");
        if (grid.Count == 0) throw new ArgumentException("an empty grid has no halfway point: give at least one noise scale.");
        if (Math.Abs(clean - chance) < Tolerance) return (double.NaN, HalfwayStatus.AtChance);
        double target = (clean + chance) / 2, d = Math.Sign(chance - clean);
        double prevS = 0, prevM = clean;
        for (int i = 0; i < grid.Count; i++)
        {
            double m = curve[i];
            if (d * (m - target) >= 0)
            {
                double f = m == prevM ? 1 : (target - prevM) / (m - prevM);
                double s = prevS > 0 && grid[i] > 0
                    ? Math.Exp(Math.Log(prevS) + f * (Math.Log(grid[i]) - Math.Log(prevS)))
                    : prevS + f * (grid[i] - prevS);
                return (s, i == 0 ? HalfwayStatus.BelowGrid : HalfwayStatus.Reached);
            }
            prevS = grid[i];
            prevM = m;
        }
        return (double.NaN, HalfwayStatus.NotReached);
    }
}
