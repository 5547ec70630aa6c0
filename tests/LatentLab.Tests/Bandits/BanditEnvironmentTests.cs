using LatentLab.Bandits;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Bandits;

public class BanditEnvironmentTests
{
    static readonly Device Cpu = torch.CPU;

    public BanditEnvironmentTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void SameSeed_GivesSameBandits_AndSamePullGivesSameReward()
    {
        using var a = BanditEnvironment.Create(new BanditSpec(5), 100, 10, 42, Cpu);
        using var b = BanditEnvironment.Create(new BanditSpec(5), 100, 10, 42, Cpu);
        Assert.True(a.Means.eq(b.Means).all().item<bool>());
        using var arms = full(100, 3L, dtype: int64);
        using var ra = a.Pull(arms);
        using var rb = b.Pull(arms);
        Assert.True(ra.eq(rb).all().item<bool>());
    }

    [Fact]
    public void RewardTape_IsIndexedByPullsOfEachArm_SoOtherArmsDoNotShiftIt()
    {
        // Policy 1 pulls arm 0 then arm 1; policy 2 pulls arm 1 directly. The first pull of arm 1 pays the same in both.
        using var env = BanditEnvironment.Create(new BanditSpec(3), 500, 5, 7, Cpu);
        using var zero = zeros(500, dtype: int64);
        using var one = ones(500, dtype: int64);
        env.Pull(zero).Dispose();
        using var afterOther = env.Pull(one);
        env.Reset();
        using var direct = env.Pull(one);
        Assert.True(afterOther.eq(direct).all().item<bool>());
    }

    [Fact]
    public void BernoulliRewards_HaveTheArmMeans()
    {
        using var env = BanditEnvironment.Create(new BanditSpec(2, Means: new[] { 0.25, 0.75 }), 20000, 1, 9, Cpu);
        using var r0 = env.Pull(zeros(20000, dtype: int64));
        Assert.Equal(0.25, r0.mean().item<float>(), 2);
        env.Reset();
        using var r1 = env.Pull(ones(20000, dtype: int64));
        Assert.Equal(0.75, r1.mean().item<float>(), 2);
        Assert.True(r1.eq(0).logical_or(r1.eq(1)).all().item<bool>());
    }

    [Fact]
    public void GaussianRewards_HaveTheArmMeansAndNoise()
    {
        using var env = BanditEnvironment.Create(new BanditSpec(2, RewardKind.Gaussian, new[] { 0.1, 0.9 }, 0.5), 20000, 1, 9, Cpu);
        using var r = env.Pull(ones(20000, dtype: int64));
        Assert.Equal(0.9, r.mean().item<float>(), 1);
        Assert.Equal(0.5, r.std().item<float>(), 1);
    }

    [Fact]
    public void Regret_IsBestMeanMinusChosenMean()
    {
        using var env = BanditEnvironment.Create(new BanditSpec(3, Means: new[] { 0.2, 0.5, 0.4 }), 2, 1, 0, Cpu);
        using var regret = env.Regret(tensor(new long[] { 0, 2 }));
        Assert.Equal(new[] { 0.3f, 0.1f }, regret.data<float>().ToArray().Select(x => MathF.Round(x, 5)).ToArray());
    }

    [Fact]
    public void PullingPastTheHorizon_SaysSo()
    {
        using var env = BanditEnvironment.Create(new BanditSpec(2), 4, 1, 0, Cpu);
        env.Pull(zeros(4, dtype: int64)).Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => env.Pull(zeros(4, dtype: int64)));
        Assert.Contains("longer horizon", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void FewerThanTwoArms_IsRejectedWithAClearMessage(int arms)
    {
        var e = Assert.Throws<ArgumentException>(() => BanditEnvironment.Create(new BanditSpec(arms), 4, 4, 0, Cpu));
        Assert.Contains("at least 2 arms", e.Message);
    }
}
