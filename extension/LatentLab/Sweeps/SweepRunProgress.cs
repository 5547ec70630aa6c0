using LatentLab.Reports;

namespace LatentLab.Sweeps;

/// <summary>
/// A sweep's progress: points done (including those a resume skipped), running, failed, waiting, elapsed time and an ETA
/// from the points finished in this run.
/// </summary>
public sealed record SweepRunProgress(int Total, int Done, int Running, int Failed, int Skipped, TimeSpan Elapsed, TimeSpan? Eta)
{
    /// <summary>Where the points run, e.g. "4 local workers" or "Slurm job 123".</summary>
    public string Where { get; init; } = "";

    /// <summary>The Slurm job id (Slurm runner only).</summary>
    public string? JobId { get; init; }

    /// <summary>The last failure, e.g. "lr-9_seed-0_ab12cd34: exit code 2 (bad input): …".</summary>
    public string? LastFailure { get; init; }

    /// <summary>Points neither done nor failed nor running.</summary>
    public int Waiting => Total - Done - Running - Failed;

    /// <summary>As the shared progress record (bar, rate, ETA) of the terminal and notebook displays.</summary>
    public RunProgress ToRunProgress() => new($"Sweep ({Where})", Done + Failed, Total, Elapsed)
    {
        Unit = "points",
        Scalars = [new("running", Running, "0"), new("failed", Failed, "0"), new("skipped (done before)", Skipped, "0")],
        Message = $"{Done} done, {Running} running, {Failed} failed, {Waiting} waiting" + (Eta is { } eta ? $"; about {ReportFormat.Duration(eta)} left" : "") +
                  (LastFailure is null ? "" : $"; last failure {LastFailure}"),
    };
}

/// <summary>How a sweep run ended: every point's state, whether an interrupt stopped it (the finished points are kept), and how many points were done before it started.</summary>
public sealed record SweepOutcome(SweepFolder Folder, IReadOnlyList<PointStatus> Points, bool Interrupted, TimeSpan Elapsed, int Skipped)
{
    /// <summary>Points done.</summary>
    public int Done => Points.Count(p => p.State == PointState.Done);

    /// <summary>Points failed.</summary>
    public int Failed => Points.Count(p => p.State == PointState.Failed);

    /// <summary>Points neither done nor failed (an interrupt, or Slurm ended them without an exit code).</summary>
    public int Pending => Points.Count(p => p.State == PointState.Pending);

    /// <summary>The merged table of the folder.</summary>
    public SweepTable Table() => SweepTable.Of(Folder);
}
