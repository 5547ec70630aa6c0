using LatentLab.Bandits;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// What the teacher would do in a state (counts and sums of the arms pulled so far), as a soft label over arms.
/// UCB1: uniform over its tied best arms (so a student is never punished for a tie UCB1 breaks arbitrarily);
/// its own action is one of them at random. Thompson: the frequency with which each arm wins among S posterior
/// draws; its action is the first draw's winner.
/// </summary>
public static class TeacherLabels
{
    /// <summary>
    /// Returns (labels (B, K) float32 summing to 1, teacher's action (B,) int64, and for UCB1 its index (B, K), +inf for
    /// unpulled arms, which the distillation loss reuses; null for Thompson).
    /// </summary>
    public static (Tensor Labels, Tensor Action, Tensor? Index) Compute(TeacherKind teacher, ArmStatistics stats, int step, BanditSpec spec,
        int thompsonSamples, Generator generator) =>
        Compute(teacher, stats.Counts, stats.Sums, step, spec, thompsonSamples, generator);

    /// <summary>Same, from counts and sums (B, K) float32 after <paramref name="step"/> pulls.</summary>
    public static (Tensor Labels, Tensor Action, Tensor? Index) Compute(TeacherKind teacher, Tensor counts, Tensor sums, int step, BanditSpec spec,
        int thompsonSamples, Generator generator)
    {
        using var scope = NewDisposeScope();
        Tensor labels, action;
        Tensor? index = null;
        if (teacher == TeacherKind.Ucb1)
        {
            index = Ucb1Policy.Index(counts, sums, step);                                       // (B, K)
            (labels, action) = FromIndex(index, generator);
        }
        else
        {
            long b = counts.shape[0], k = counts.shape[1];
            var c = counts.unsqueeze(0).expand(thompsonSamples, b, k);                          // (S, B, K)
            var s = sums.unsqueeze(0).expand(thompsonSamples, b, k);
            var draws = ThompsonPolicy.Sample(c, s, spec.Reward, spec.NoiseStd, generator);    // (S, B, K)
            var winners = draws.argmax(-1);                                                      // (S, B)
            labels = nn.functional.one_hot(winners, k).to(float32).mean(new long[] { 0 });      // (B, K)
            action = winners[0];
        }
        return (labels.MoveToOuterDisposeScope(), action.MoveToOuterDisposeScope(), index?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The soft label and the action of a teacher that pulls the arm of highest <paramref name="index"/> (B, K): uniform over its
    /// tied best arms (labels (B, K) summing to 1), and one of them at random as its action (B,) int64. When the teacher acts in
    /// training it breaks ties at random (not by lowest index), so the histories the student learns from match the soft labels:
    /// a Joint student trained on "arms 0,1,2,... in order" but labelled "any unpulled arm" drifts off its training
    /// distribution as soon as it picks another order.
    /// </summary>
    public static (Tensor Labels, Tensor Action) FromIndex(Tensor index, Generator generator)
    {
        using var scope = NewDisposeScope();
        var best = TieBreaking.MaximumSet(index).to(float32);                                   // (B, K)
        var labels = best / best.sum(-1, keepdim: true);
        return (labels.MoveToOuterDisposeScope(), TieBreaking.RandomMember(best, generator).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Distillation target from UCB1's index (B, ..., K): softmax(<paramref name="scale"/> x index) where every arm has
    /// been pulled, so an arm whose index trails the best by 1/scale gets e^-1 of its probability; where some arm is
    /// unpulled (index +inf) the plain <paramref name="labels"/> ("pull an unpulled arm"). Same shape as the index.
    /// </summary>
    public static Tensor IndexDistillation(Tensor index, Tensor labels, double scale)
    {
        using var scope = NewDisposeScope();
        var allPulled = index.isfinite().all(-1, keepdim: true);
        var soft = nn.functional.softmax(where(allPulled, index, zeros_like(index)) * scale, -1);
        return where(allPulled, soft, labels).MoveToOuterDisposeScope();
    }
}
