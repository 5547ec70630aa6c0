namespace LatentLab.Sweeps;

/// <summary>
/// One point of a sweep: a setting of the grid with one seed, run as <c>latentlab &lt;command&gt; &lt;Arguments&gt;</c>
/// in its own process, writing into the folder <c>points/&lt;Name&gt;</c>.
/// </summary>
/// <param name="Index">Position in the sweep (the Slurm array index).</param>
/// <param name="Name">Stable and safe as a folder name: readable settings plus a hash of the full argument list.</param>
/// <param name="Setting">Index of the grid setting (points of one setting differ only by seed).</param>
/// <param name="Values">The grid's flags and this point's values, in grid order.</param>
/// <param name="Seed">The seed, or null when the command has no --seed.</param>
/// <param name="Arguments">The command and every option (fixed, grid, seed, threads), without the runner's --out-dir/--summary/--progress.</param>
public sealed record SweepPoint(int Index, string Name, int Setting, IReadOnlyList<KeyValuePair<string, string>> Values, int? Seed,
    IReadOnlyList<string> Arguments)
{
    /// <summary>The arguments with the runner's own: the output folder, the summary file and no progress display.</summary>
    public IReadOnlyList<string> ArgumentsFor(string folder) =>
        [.. Arguments, "--out-dir", folder, "--summary", Path.Combine(folder, SweepFolder.ResultFile), "--progress", "none"];
}
