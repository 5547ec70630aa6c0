namespace LatentLab.Torch;

/// <summary>
/// The memory a run will need, worked out from its options before anything is allocated (see <see cref="MemoryEstimates"/>).
/// </summary>
/// <param name="Bytes">Estimated peak bytes (host memory on the CPU; tensors on the device otherwise); double, so huge products never overflow.</param>
/// <param name="Largest">The largest part in words, with the options that size it, e.g. "the recorded activations (--questions 1000000 x 4 layers x 27 positions x --width 64, float32)".</param>
/// <param name="Lower">The option to lower first, e.g. "--questions".</param>
/// <param name="LowerValue">Its current value: the budget check scales it down to a value that fits.</param>
/// <param name="Alternatives">Other options that also shrink the run, e.g. "--width, --layers or --chain-length".</param>
public sealed record MemoryEstimate(double Bytes, string Largest, string Lower, double LowerValue, string? Alternatives = null)
{
    /// <summary>Bytes of the largest part alone (the part <see cref="Lower"/> scales).</summary>
    public double LargestBytes { get; init; } = Bytes;
}
