using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// The tie rule every classic policy uses: among arms with the highest score, pick the one with the LOWEST index.
/// Written out with comparisons (not argmax) so that the rule is the same on every device.
/// </summary>
public static class TieBreaking
{
    /// <summary>(B, K) scores -> (B,) int64 index of the first maximum.</summary>
    public static Tensor FirstMaximum(Tensor scores)
    {
        using var scope = NewDisposeScope();
        long k = scores.shape[^1];
        var isMax = scores.eq(scores.amax(new long[] { -1 }, keepdim: true));          // (B, K)
        var index = arange(k, dtype: int64, device: scores.device).expand_as(isMax);    // (B, K)
        var first = where(isMax, index, full_like(index, k)).amin(new long[] { -1 });   // (B,)
        return first.MoveToOuterDisposeScope();
    }

    /// <summary>(B, K) scores -> (B, K) bool: true for every arm that attains the maximum (all tied arms).</summary>
    public static Tensor MaximumSet(Tensor scores)
    {
        using var scope = NewDisposeScope();
        return scores.eq(scores.amax(new long[] { -1 }, keepdim: true)).MoveToOuterDisposeScope();
    }
}
