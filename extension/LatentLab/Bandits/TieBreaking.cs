using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>
/// The tie rule every classic policy uses: among arms with the highest score, pick the one with the LOWEST index.
/// </summary>
public static class TieBreaking
{
    /// <summary>
    /// (B, K) scores -> (B,) int64 index of the first maximum. torch.argmax is documented to return the index of the
    /// first maximal value when several are maximal (PyTorch docs, torch.argmax), on every device; a test pins it.
    /// </summary>
    public static Tensor FirstMaximum(Tensor scores) => scores.argmax(-1);

    /// <summary>(B, K) scores -> (B, K) bool: true for every arm that attains the maximum (all tied arms).</summary>
    public static Tensor MaximumSet(Tensor scores)
    {
        using var scope = NewDisposeScope();
        return scores.eq(scores.amax(new long[] { -1 }, keepdim: true)).MoveToOuterDisposeScope();
    }
}
