namespace LatentLab.Torch;

/// <summary>
/// The memory a run will need, worked out from its options before anything is allocated (see <see cref="MemoryEstimates"/>).
/// </summary>
/// <param name="Bytes">Estimated peak bytes (host memory on the CPU; tensors on the device otherwise); double, so huge products never overflow.</param>
/// <param name="Largest">The largest part in words, with the options that size it, e.g. "the recorded activations (--questions 1000000 x 4 layers x 27 positions x --width 64, float32)".</param>
/// <param name="Lower">The option to lower first, e.g. "--questions".</param>
/// <param name="LowerValue">Its current value.</param>
/// <param name="Alternatives">Other options that also shrink the run, in words, e.g. "--width, --layers or --chain-length" (used when <see cref="Knobs"/> gives none).</param>
public sealed record MemoryEstimate(double Bytes, string Largest, string Lower, double LowerValue, string? Alternatives = null)
{
    /// <summary>Bytes of the largest part alone.</summary>
    public double LargestBytes { get; init; } = Bytes;

    /// <summary>
    /// The options a refused run can lower, first the one named by <see cref="Lower"/>, each with the estimate as a function
    /// of its value: <see cref="MemoryBudget"/> solves that function for the largest value that fits (estimates are not
    /// linear in every option: the LSTM's weights grow with --hidden squared), so a suggestion always fits.
    /// </summary>
    public IReadOnlyList<MemoryKnob> Knobs { get; init; } = [];

    /// <summary>Further advice the message always ends with (e.g. "or use fewer --grid points"), beside the options in <see cref="Knobs"/>.</summary>
    public string? Also { get; init; }
}

/// <summary>
/// One option a refused run can lower: its flag, its current value, its smallest allowed value, and the run's estimated bytes
/// at any other value with everything else unchanged (the same estimate function, re-evaluated). <paramref name="Step"/>: the
/// option takes multiples of it only (e.g. --width a multiple of --heads).
/// </summary>
public sealed record MemoryKnob(string Option, double Value, Func<double, double> BytesAt, double Minimum = 1, double Step = 1);
