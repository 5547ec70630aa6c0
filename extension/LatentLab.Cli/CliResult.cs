namespace LatentLab.Cli;

/// <summary>What a command wrote: its files, one summary line, and whether the run was cut short (the files then hold the partial result).</summary>
/// <param name="Files">Every file written, in order.</param>
/// <param name="Summary">One line for stdout, e.g. "Trained 300 steps in 41.2 s: loss 0.412, agreement 0.871."</param>
/// <param name="Partial">True when an interrupt stopped the run and the files hold what was done so far.</param>
public sealed record CliResult(IReadOnlyList<string> Files, string Summary, bool Partial = false)
{
    /// <summary>The run's scalar results by name (e.g. final_loss), written by <c>--summary</c> and merged by a sweep; deterministic values only (no timings).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Metrics { get; init; } = [];

    /// <summary>
    /// The exit code of a run that finished (not interrupted) but did not wholly succeed, with <see cref="Problem"/> on stderr:
    /// <see cref="ExitCodes.PointsFailed"/> for a sweep with failed points. Null: <see cref="ExitCodes.Ok"/>.
    /// </summary>
    public int? ExitCode { get; init; }

    /// <summary>The line for stderr that goes with <see cref="ExitCode"/>.</summary>
    public string? Problem { get; init; }
}
