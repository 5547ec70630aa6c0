using LatentLab.Options;

namespace LatentLab.Probes;

/// <summary>Options of <see cref="ProbeSweep.Run"/>, each knob declared once ([Knob]): <c>#!probe-sweep</c>, its help and the console tool come from it.</summary>
public sealed record ProbeSweepOptions : IKnobRules
{
    /// <summary>Layers to probe (null: all).</summary>
    [Knob("--layers", "Layers to probe: all, or a list such as 0,2,5 or 0-3.", Min = 0)]
    public IReadOnlyList<int>? Layers { get; init; }
    /// <summary>Columns to keep after alignment (token index for start, -k for end, bin index for bins; null: all).</summary>
    [Knob("--positions", "Position columns to keep: all, or a list such as 0-10 (with --align end: -5..-1).")]
    public IReadOnlyList<int>? Positions { get; init; }
    /// <summary>When &gt; 0, average each chain's tokens into this many relative bins (0-10%, 10-20%, ... of its length).</summary>
    [Knob("--bins", "0: every position is its own column; k > 0: average each chain into k relative bins (chains of different length).", Min = 0, Max = 1000)]
    public int Bins { get; init; }
    /// <summary>Line chains up at their first token (start) or their last (end).</summary>
    [Knob("--align", "Line chains up at their first token (start) or their last (end: columns -k..-1).")]
    public PositionAlignment Align { get; init; } = PositionAlignment.Start;
    /// <summary>Cross-validation folds (stratified by label; grouped when the set has group ids).</summary>
    [Knob("--folds", "Cross-validation folds (stratified by label; grouped when the set has group ids); at most the number of questions.", Min = 2, Max = 1000)]
    public int Folds { get; init; } = 5;
    /// <summary>Also train on control labels (a seeded random relabelling with the same class balance).</summary>
    [Knob("--control", "Also train every probe on control labels (Hewitt & Liang): gives selectivity = accuracy - control accuracy (--no-control: task only, half the work).")]
    public bool Control { get; init; } = true;
    /// <summary>Seeds the folds and the control labels.</summary>
    [Knob("--seed", "Random seed of the folds and the control labels.", Min = 0)]
    public int Seed { get; init; }
    /// <summary>Inverse L2 strength as in scikit-learn: minimise sum of log-losses + ||w||^2 / (2C).</summary>
    [Knob("--c", "Inverse L2 strength as in scikit-learn: minimise the sum of log-losses + ||w||^2 / (2C).", Min = 0, ExclusiveMin = true, Max = 1e12)]
    public double C { get; init; } = 1.0;
    /// <summary>L-BFGS iterations at most per probe.</summary>
    [Knob("--max-iterations", "L-BFGS iterations at most per probe.", Min = 1, Max = 100_000)]
    public int MaxIterations { get; init; } = 300;
    /// <summary>Stop when max |gradient| of the mean loss (scikit-learn's scaling) is below this.</summary>
    [Knob("--tolerance", "Stop when max |gradient| of the mean loss (scikit-learn's scaling) is below this.", Min = 0, ExclusiveMin = true, Max = 1)]
    public double Tolerance { get; init; } = 1e-4;
    /// <summary>
    /// Precondition L-BFGS with each column's curvature bound (costs one D x D Gram matrix per column). Off by default:
    /// on the benchmark data it did not cut the iteration count enough to pay for the Gram matrices.
    /// </summary>
    [Knob("--preconditioner", "Precondition L-BFGS with each column's curvature bound (one D x D Gram matrix per column).")]
    public bool Preconditioner { get; init; }
    /// <summary>
    /// Threads during the sweep (restored afterwards); 0 leaves the process setting. Default: every core, at most
    /// <see cref="MaxDefaultThreads"/>. A layer's column blocks are independent problems, shared out over the threads, each
    /// running torch single-threaded (the solver is many small ops, which an op split over OpenMP threads would spend
    /// waking and parking them); a block's numbers do not depend on the thread that runs it. The reading and standardising
    /// of a layer run on torch's threads. Measured on the benchmark and the real-size sweep: the same cells at 1 and 2 threads.
    /// </summary>
    [Knob("--threads", "Threads during the sweep (default: every core, at most 8; 0: keep the process setting).", Min = 0, Max = 1024)]
    public int Threads { get; init; } = DefaultThreads;

    /// <summary>Cap of the default thread count.</summary>
    public const int MaxDefaultThreads = 8;

    /// <summary>The default of <see cref="Threads"/>: this machine's cores (Environment.ProcessorCount), at most <see cref="MaxDefaultThreads"/>.</summary>
    public static int DefaultThreads => Math.Clamp(Environment.ProcessorCount, 1, MaxDefaultThreads);
    /// <summary>
    /// Layers whose column features together fit in this many bytes (float32) are solved together as one batched problem
    /// (fewer, larger tensor operations); a layer bigger than this is solved alone, so memory stays at one layer's slice.
    /// </summary>
    [Knob("--max-batch-bytes", "Layers whose features fit in this many bytes (float32) are solved as one batched problem (0: one layer at a time).", Min = 0, Hidden = true)]
    public long MaxBatchBytes { get; init; } = 128L << 20;
    /// <summary>Primal (D + 1 unknowns per probe) or kernel form (n_train + 1); auto picks the smaller.</summary>
    [Knob("--solver-form", "Solve each probe over its D weights (primal) or over its training questions (kernel); auto: the smaller.", Hidden = true)]
    public ProbeSolverForm SolverForm { get; init; } = ProbeSolverForm.Auto;
    /// <summary>
    /// Columns are solved in blocks of about this many bytes of features (float32), so a block's design matrices stay in
    /// the CPU's cache while its problems iterate (0: the whole batch at once).
    /// </summary>
    [Knob("--block-bytes", "Solve columns in blocks of about this many bytes of features, so they stay in cache while they iterate (0: all at once).", Min = 0, Hidden = true)]
    public long BlockBytes { get; init; } = 8L << 20;
    /// <summary>Optional explicit fold (0..Folds-1) of every question, e.g. to compare with another tool on the same split.</summary>
    public IReadOnlyList<int>? FoldAssignment { get; init; }

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Bins > 0 && Align == PositionAlignment.End)
            yield return "{Bins} and {Align} end do not combine: relative bins already span each chain from start to end. Use one of them.";
        if (FoldAssignment is { } folds && folds.Any(f => f < 0 || f >= Folds))
            yield return $"FoldAssignment holds a fold outside 0..{Folds - 1} ({{Folds}} is {Folds}).";
    }
}
