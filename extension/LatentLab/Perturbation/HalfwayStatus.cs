namespace LatentLab.Perturbation;

/// <summary>How an s50 (or k50) was found on a grid.</summary>
public enum HalfwayStatus
{
    /// <summary>The mean curve crossed the halfway level between two grid points (interpolated in log s).</summary>
    Reached,
    /// <summary>Already past halfway at the first grid point: interpolated linearly between the clean value at 0 and that point.</summary>
    BelowGrid,
    /// <summary>The curve never got halfway to chance on the grid: s50 is above the largest value (NaN).</summary>
    NotReached,
    /// <summary>The clean value already equals chance: there is no distance to fall (NaN).</summary>
    AtChance,
}
