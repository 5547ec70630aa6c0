namespace LatentLab.Probes;

/// <summary>Options of <see cref="ProbeSweep.Run"/> (the <c>#!probe-sweep</c> options).</summary>
public sealed record ProbeSweepOptions
{
    /// <summary>Layers to probe (null: all).</summary>
    public IReadOnlyList<int>? Layers { get; init; }
    /// <summary>Columns to keep after alignment (token index for start, -k for end, bin index for bins; null: all).</summary>
    public IReadOnlyList<int>? Positions { get; init; }
    /// <summary>When &gt; 0, average each chain's tokens into this many relative bins (0-10%, 10-20%, ... of its length).</summary>
    public int Bins { get; init; }
    /// <summary>Line chains up at their first token (start) or their last (end).</summary>
    public PositionAlignment Align { get; init; } = PositionAlignment.Start;
    /// <summary>Cross-validation folds (stratified by label; grouped when the set has group ids).</summary>
    public int Folds { get; init; } = 5;
    /// <summary>Also train on control labels (a seeded random relabelling with the same class balance).</summary>
    public bool Control { get; init; } = true;
    /// <summary>Seeds the folds and the control labels.</summary>
    public int Seed { get; init; }
    /// <summary>Inverse L2 strength as in scikit-learn: minimise sum of log-losses + ||w||^2 / (2C).</summary>
    public double C { get; init; } = 1.0;
    /// <summary>L-BFGS iterations at most per probe.</summary>
    public int MaxIterations { get; init; } = 300;
    /// <summary>Stop when max |gradient| of the mean loss (scikit-learn's scaling) is below this.</summary>
    public double Tolerance { get; init; } = 1e-4;
    /// <summary>
    /// Precondition L-BFGS with each column's curvature bound (costs one D x D Gram matrix per column). Off by default:
    /// on the benchmark data it did not cut the iteration count enough to pay for the Gram matrices.
    /// </summary>
    public bool Preconditioner { get; init; }
    /// <summary>
    /// Torch intra-op threads during the sweep (restored afterwards); 0 leaves the process setting. Default 1: the sweep
    /// is many small tensor ops, and on a machine shared with other jobs a second OpenMP thread can cost many times the
    /// CPU of one (the threads wait for each other). A fixed count also keeps the numbers identical across machines.
    /// </summary>
    public int Threads { get; init; } = 1;
    /// <summary>
    /// Layers whose column features together fit in this many bytes (float32) are solved together as one batched problem
    /// (fewer, larger tensor operations); a layer bigger than this is solved alone, so memory stays at one layer's slice.
    /// </summary>
    public long MaxBatchBytes { get; init; } = 128L << 20;
    /// <summary>Optional explicit fold (0..Folds-1) of every question, e.g. to compare with another tool on the same split.</summary>
    public IReadOnlyList<int>? FoldAssignment { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option and the fix.</summary>
    public void Validate()
    {
        if (Folds < 2) throw new ArgumentException($"--folds {Folds}: cross-validation needs at least 2 folds (default 5).");
        if (Bins < 0) throw new ArgumentException($"--bins {Bins}: use 0 (every position its own column) or a positive number of relative bins.");
        if (Bins > 0 && Align == PositionAlignment.End) throw new ArgumentException("--bins and --align end do not combine: relative bins already span each chain from start to end.");
        if (!(C > 0) || double.IsInfinity(C)) throw new ArgumentException($"C = {C}: the inverse regularisation strength must be a positive finite number (scikit-learn's default is 1).");
        if (MaxIterations < 1) throw new ArgumentException($"MaxIterations = {MaxIterations}: must be at least 1.");
        if (MaxBatchBytes < 0) throw new ArgumentException($"MaxBatchBytes = {MaxBatchBytes}: must be >= 0 (0: one layer at a time).");
        if (Threads < 0) throw new ArgumentException($"--threads {Threads}: use 0 (keep the current setting) or a positive count.");
        if (!(Tolerance > 0)) throw new ArgumentException($"Tolerance = {Tolerance}: must be positive.");
    }
}
