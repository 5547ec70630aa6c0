using LatentLab.Bandits;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Bandits;

public class ClassicPolicyTests
{
    static readonly Device Cpu = torch.CPU;

    public ClassicPolicyTests() => TorchRuntime.EnsureInitialized();

    static Tensor F(params float[] v) => tensor(v, dtype: float32, device: Cpu);

    [Fact]
    public void Ucb1Index_MatchesHandComputedValues()
    {
        // counts (2, 3), sums (1, 2), after 5 pulls: 0.5 + sqrt(2 ln 5 / 2) = 1.76863, 2/3 + sqrt(2 ln 5 / 3) = 1.70247.
        using var counts = F(2, 3).unsqueeze(0);
        using var sums = F(1, 2).unsqueeze(0);
        using var index = Ucb1Policy.Index(counts, sums, 5);
        var v = index.data<float>().ToArray();
        Assert.Equal(0.5 + Math.Sqrt(2 * Math.Log(5) / 2), v[0], 5);
        Assert.Equal(2.0 / 3 + Math.Sqrt(2 * Math.Log(5) / 3), v[1], 5);
        Assert.Equal(1.76863, v[0], 4);
        Assert.Equal(1.70247, v[1], 4);
    }

    [Fact]
    public void Ucb1Index_UnpulledArmIsInfinite()
    {
        using var index = Ucb1Policy.Index(F(0, 4).unsqueeze(0), F(0, 4).unsqueeze(0), 4);
        Assert.True(float.IsPositiveInfinity(index[0, 0].item<float>()));
    }

    [Fact]
    public void Ucb1_PullsEachArmOnceInIndexOrder_ThenFollowsTheIndex()
    {
        using var env = BanditEnvironment.Create(new BanditSpec(4, Means: new[] { 0.1, 0.9, 0.2, 0.3 }), 3, 20, 1, Cpu);
        using var policy = new Ucb1Policy();
        using var trace = BanditRollout.Run(env, policy, 20, 0, trackAgreement: true);
        // First four pulls are arms 0..3, so the first regrets are 0.8, 0, 0.7, 0.6 in every episode.
        var r = trace.Regret.data<float>().ToArray();
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(0.8f, r[0 * 3 + b], 5);
            Assert.Equal(0.0f, r[1 * 3 + b], 5);
            Assert.Equal(0.7f, r[2 * 3 + b], 5);
            Assert.Equal(0.6f, r[3 * 3 + b], 5);
        }
        // UCB1 always agrees with itself.
        Assert.Equal(1f, trace.Agreement!.mean().item<float>());
    }

    [Fact]
    public void TieBreaking_FirstMaximum_PicksLowestIndex_AndMaximumSetMarksAllTies()
    {
        using var scores = F(0.2f, 0.7f, 0.7f, 0.1f, 0.5f, 0.5f, 0.5f, 0.5f).reshape(2, 4);
        Assert.Equal(new long[] { 1, 0 }, TieBreaking.FirstMaximum(scores).data<long>().ToArray());
        Assert.Equal(new[] { false, true, true, false, true, true, true, true }, TieBreaking.MaximumSet(scores).data<bool>().ToArray());
    }

    [Fact]
    public void Greedy_TriesEveryArmOnce_ThenBestMean_TiesToLowestIndex()
    {
        using var policy = new GreedyPolicy();
        policy.Reset(1, 3, Cpu, 0);
        Assert.Equal(0, policy.Act(0).item<long>());
        policy.Observe(tensor(new long[] { 0 }), F(1));
        Assert.Equal(1, policy.Act(1).item<long>());   // arms 1, 2 unpulled (tied at +inf) -> lowest index
        policy.Observe(tensor(new long[] { 1 }), F(1));
        Assert.Equal(2, policy.Act(2).item<long>());
        policy.Observe(tensor(new long[] { 2 }), F(0));
        Assert.Equal(0, policy.Act(3).item<long>());   // means (1, 1, 0): tie between 0 and 1 -> arm 0
        policy.Observe(tensor(new long[] { 0 }), F(0));
        Assert.Equal(1, policy.Act(4).item<long>());   // means (0.5, 1, 0) -> arm 1
    }

    [Fact]
    public void EpsilonGreedy_WithEpsilonZero_ActsExactlyLikeGreedy()
    {
        using var env = BanditEnvironment.Create(new BanditSpec(5), 64, 30, 3, Cpu);
        using var g = BanditRollout.Run(env, new GreedyPolicy(), 30, 0, false);
        using var e = BanditRollout.Run(env, new EpsilonGreedyPolicy(0.0), 30, 0, false);
        Assert.True(g.Regret.eq(e.Regret).all().item<bool>());
    }

    [Fact]
    public void Thompson_WithStrongEvidence_PicksTheClearlyBetterArm()
    {
        using var policy = new ThompsonPolicy();
        policy.Reset(200, 2, Cpu, 5);
        // 100 pulls each: arm 0 paid 10 times, arm 1 paid 90 times.
        var arms = tensor(Enumerable.Repeat(0L, 200).ToArray());
        for (int i = 0; i < 100; i++) policy.Observe(arms, full(200, i < 10 ? 1f : 0f));
        var armOne = ones(200, dtype: int64);
        for (int i = 0; i < 100; i++) policy.Observe(armOne, full(200, i < 90 ? 1f : 0f));
        Assert.Equal(200, policy.Act(200).sum().item<long>());
    }

    [Fact]
    public void Thompson_Gaussian_PosteriorConcentratesOnTheBetterArm()
    {
        using var counts = F(400, 400).unsqueeze(0).expand(500, 2);
        using var sums = F(400 * 0.2f, 400 * 0.8f).unsqueeze(0).expand(500, 2);
        using var g = new Generator(1, Cpu);
        using var draws = ThompsonPolicy.Sample(counts, sums, RewardKind.Gaussian, 1.0, g);
        Assert.Equal(500, draws.argmax(1).sum().item<long>());
        Assert.Equal(0.8, draws[.., 1].mean().item<float>(), 1);
    }

    [Fact]
    public void PolicyNames_UnknownName_IsRejectedWithTheValidNames()
    {
        var e = Assert.Throws<ArgumentException>(() => PolicyNames.Create("exp3", new BanditSpec()));
        Assert.Contains("random, greedy, eps-greedy, ucb1, thompson", e.Message);
        Assert.IsType<Ucb1Policy>(PolicyNames.Create("UCB", new BanditSpec()));
    }
}
