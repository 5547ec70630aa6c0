using LatentLab.Bandits;
using LatentLab.Imitation;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// What the demonstrations of a fine-tuning run on the bandit student show, one decision per state from the arm counts and
/// reward sums so far, as the student's teacher labels them in training (<see cref="TeacherLabels"/>): soft labels over the
/// arms, the demonstrator's own action (ties at random, as a teacher acts in training) and, where it has one, its index.
/// <list type="bullet">
/// <item>UCB1 (no target: the control): the student's own teacher's labels and index.</item>
/// <item><see cref="FineTuneTarget.Greedy"/>: every unpulled arm first, then the best empirical mean, no exploration bonus;
/// its index is the empirical mean (+inf unpulled), so the distillation loss reads by how much every arm trails the best.</item>
/// <item><see cref="FineTuneTarget.FirstArm"/>: always arm 0 (one-hot labels, no index).</item>
/// </list>
/// </summary>
public sealed class StudentDemonstrator
{
    /// <summary>The targets a bandit student has demonstrations for (the first is the default).</summary>
    public static IReadOnlyList<FineTuneTarget> Targets { get; } = [FineTuneTarget.Greedy, FineTuneTarget.FirstArm];

    /// <param name="target">The demonstrated behaviour; null = UCB1 (the control).</param>
    public StudentDemonstrator(FineTuneTarget? target)
    {
        if (target is { } t && !Targets.Contains(t))
            throw new ArgumentException($"{t} is not a target for a bandit student: use {string.Join(" or ", Targets)}.", nameof(target));
        Target = target;
    }

    /// <summary>The demonstrated behaviour; null for UCB1 (the control).</summary>
    public FineTuneTarget? Target { get; }

    /// <summary>The demonstrator's name in results: ucb1, greedy or first-arm.</summary>
    public string Name => Target switch { null => PolicyNames.Ucb1, FineTuneTarget.Greedy => PolicyNames.Greedy, _ => "first-arm" };

    /// <summary>
    /// The decision in every episode's state after <paramref name="step"/> pulls, from counts and sums (B, K) float32: labels (B, K)
    /// summing to 1, the action (B,) int64 and the index (B, K) (+inf for unpulled arms; null when the demonstrator has none).
    /// </summary>
    public (Tensor Labels, Tensor Action, Tensor? Index) Decide(Tensor counts, Tensor sums, int step, BanditSpec spec, Generator generator)
    {
        if (Target is null) return TeacherLabels.Compute(TeacherKind.Ucb1, counts, sums, step, spec, 1, generator);
        using var scope = NewDisposeScope();
        long b = counts.shape[0], k = counts.shape[1];
        if (Target == FineTuneTarget.FirstArm)
        {
            var first = zeros(b, dtype: int64, device: counts.device);                          // (B,)
            var onehot = nn.functional.one_hot(first, k).to(float32);                           // (B, K)
            return (onehot.MoveToOuterDisposeScope(), first.MoveToOuterDisposeScope(), null);
        }
        var index = GreedyPolicy.Scores(counts, sums);                                          // (B, K) empirical means, +inf unpulled
        var (labels, action) = TeacherLabels.FromIndex(index, generator);                       // as UCB1's teacher labels from its index
        return (labels.MoveToOuterDisposeScope(), action.MoveToOuterDisposeScope(), index.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// <paramref name="episodes"/> demonstrated episodes of <paramref name="horizon"/> pulls on fresh bandits drawn from
    /// <paramref name="seed"/> (the demonstrator acts: behaviour cloning): actions (E, T) int64, rewards (E, T) float32,
    /// labels (E, T, K), index (E, T, K) (null when the demonstrator has none). Same seed, same demonstrations.
    /// </summary>
    public (Tensor Actions, Tensor Rewards, Tensor Labels, Tensor? Index) Record(BanditSpec spec, long episodes, int horizon, long seed, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed, device);
        using var env = new BanditEnvironment(spec, episodes, horizon, generator, device);
        var actions = new List<Tensor>(horizon);
        var rewards = new List<Tensor>(horizon);
        var labels = new List<Tensor>(horizon);
        var indices = new List<Tensor>(horizon);
        for (int t = 0; t < horizon; t++)
        {
            var (label, action, index) = Decide(env.Statistics.Counts, env.Statistics.Sums, t, spec, generator);
            actions.Add(action);
            rewards.Add(env.Pull(action));
            labels.Add(label);
            if (index is not null) indices.Add(index);
        }
        return (stack(actions, 1).MoveToOuterDisposeScope(), stack(rewards, 1).MoveToOuterDisposeScope(), stack(labels, 1).MoveToOuterDisposeScope(),
            indices.Count == horizon ? stack(indices, 1).MoveToOuterDisposeScope() : null);
    }

    /// <summary>The demonstrator as a bandit policy (ties at random from the policy seed), e.g. for its own metrics on a subject's episodes.</summary>
    public IBanditPolicy AsPolicy() => new Policy(this);

    sealed class Policy(StudentDemonstrator demonstrator) : StatisticsPolicy
    {
        public override string Name => demonstrator.Name;

        protected override Tensor Decide(ArmStatistics stats, int step, Generator generator) =>
            demonstrator.Decide(stats.Counts, stats.Sums, step, new BanditSpec(Arms), generator).Action;
    }
}
