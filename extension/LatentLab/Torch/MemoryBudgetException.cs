namespace LatentLab.Torch;

/// <summary>
/// A run refused before it allocated: its options need more memory than the machine has available. The message names the
/// estimate, the available memory (and where that number came from) and the option to lower. An <see cref="ArgumentException"/>:
/// the options are what is wrong, and front ends show the message alone.
/// </summary>
public sealed class MemoryBudgetException(string message, MemoryEstimate estimate, long availableBytes) : ArgumentException(message)
{
    /// <summary>What the run would have needed.</summary>
    public MemoryEstimate Estimate { get; } = estimate;

    /// <summary>Bytes the machine had available when the run was refused.</summary>
    public long AvailableBytes { get; } = availableBytes;
}
