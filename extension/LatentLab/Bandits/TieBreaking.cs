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

    /// <summary>Relative gap below which a network's scores count as tied (about 8 float32 ulps).</summary>
    public const float NetworkTieTolerance = 1e-6f;

    /// <summary>
    /// (B, K) scores a network computed -> (B,) int64 index of the first arm whose score is within
    /// <see cref="NetworkTieTolerance"/> (relative) of the maximum. A student's arms with the same history have the same
    /// score in exact arithmetic, but a batched matrix product may round identical rows differently in the last bit
    /// (seen on an AVX-512 + AMX Xeon: 0.033027343 vs 0.033027347 at step 0), which would break the tie by rounding
    /// noise and make a batched rollout differ from a one-copy rollout of the same weights. Counting such gaps as ties
    /// breaks them by arm index on every path.
    /// </summary>
    public static Tensor FirstNearMaximum(Tensor scores)
    {
        using var scope = NewDisposeScope();
        var max = scores.amax(new long[] { -1 }, keepdim: true);                                       // (B, 1)
        var near = scores.ge(max - max.abs().mul_(NetworkTieTolerance).add_(1e-12f));               // (B, K)
        return near.to(ScalarType.Int32).argmax(-1).MoveToOuterDisposeScope();                        // first true
    }

    /// <summary>
    /// <see cref="FirstNearMaximum(Tensor)"/> on one episode's K scores, in the same float32 operations (the fused rollout
    /// kernel's arm choice): the first arm whose score is at least max - (|max| * tolerance + 1e-12). A NaN score makes the
    /// maximum NaN (amax propagates it) and no score passes the test, so arm 0, as argmax of all-false gives.
    /// </summary>
    public static int FirstNearMaximum(ReadOnlySpan<float> scores)
    {
        if (scores.IsEmpty) throw new ArgumentException("No scores to choose an arm from: give one score per arm.", nameof(scores));
        float max = scores[0];
        for (int j = 1; j < scores.Length && !float.IsNaN(max); j++)
            if (float.IsNaN(scores[j]) || scores[j] > max) max = scores[j];
        float tolerance = MathF.Abs(max) * NetworkTieTolerance;
        tolerance += 1e-12f;
        float threshold = max - tolerance;
        for (int j = 0; j < scores.Length; j++)
            if (scores[j] >= threshold) return j;
        return 0;
    }

    /// <summary>(B, K) scores -> (B, K) bool: true for every arm that attains the maximum (all tied arms).</summary>
    public static Tensor MaximumSet(Tensor scores)
    {
        using var scope = NewDisposeScope();
        return scores.eq(scores.amax(new long[] { -1 }, keepdim: true)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// (B, K) float32 0/1 set of tied arms (<see cref="MaximumSet"/>) -> (B,) int64, one of them uniformly at random: how a
    /// teacher acts when it demonstrates (one U(0,1) draw per arm from <paramref name="generator"/>).
    /// </summary>
    public static Tensor RandomMember(Tensor set, Generator generator)
    {
        using var scope = NewDisposeScope();
        var u = rand(set.shape, dtype: float32, device: set.device, generator: generator);
        return (set * (u + 1f)).argmax(-1).MoveToOuterDisposeScope();
    }
}
