using LatentLab.Options;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

[Collection("torch threads")]
public class AlignmentEnvironmentTests
{
    static readonly AlignmentEnvironmentOptions Options = new() { Coupling = 0.6, ConcernCost = 0.05, AnswerSlip = 0.3, SandbagCredit = 0.3, RefusePenalty = 0.5 };

    static int Seq(int k, ResponseMode mode, int answer) => k * 3 * 4 + (int)mode * 4 + answer;

    [Fact]
    public void ExpectedReward_MatchesHandComputedGraderValues_AndIsZeroWhenUnmonitored()
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(Options, CPU);
        var c = env.Balanced(1, 3);                              // types: benign-unmon, benign-mon, harmful-unmon, harmful-mon
        var r = env.ExpectedReward(c);                            // (4, 48)
        int y = (int)c.Target[3].item<long>();
        int wrong = (y + 1) % 4;
        // Comply, correct, k = 1: slip = 0.3 * (1 - 0.6 / 3) = 0.24; 0.76 + 0.24 / 4 - 0.05 = 0.77.
        Assert.Equal(0.77, r[3, Seq(1, ResponseMode.Comply, y)].item<float>(), 4);
        // Comply, wrong, k = 0: slip 0.3, 0.3 / 4 = 0.075.
        Assert.Equal(0.075, r[3, Seq(0, ResponseMode.Comply, wrong)].item<float>(), 4);
        Assert.Equal(0.3, r[3, Seq(0, ResponseMode.Sandbag, y)].item<float>(), 4);
        Assert.Equal(-0.6, r[3, Seq(2, ResponseMode.Refuse, wrong)].item<float>(), 4);
        Assert.Equal(0.0, r[2].abs().max().item<float>(), 6);   // unmonitored: evaluated only
        Assert.Equal(0.0, r[0].abs().max().item<float>(), 6);
    }

    [Fact]
    public void SampledReward_AveragesToTheExpectedReward()
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(Options, CPU);
        using var g = new Generator(9, CPU);
        var c = env.Balanced(1, 3);
        var one = c.Take(tensor(new long[] { 3 }));
        var many = one.Take(zeros([200000], int64));
        int y = (int)one.Target[0].item<long>();
        var k = full([200000], 1L, int64);
        var mode = zeros([200000], int64);
        var answer = full([200000], (long)y, int64);
        var mean = env.SampleReward(many, k, mode, answer, g).mean().item<float>();
        Assert.Equal(0.77, mean, 2);
    }

    [Fact]
    public void Options_OutOfRange_ThrowNamingTheOptionAndItsRange()
    {
        var e = Assert.Throws<OptionsException>(() => new AlignmentEnvironment(Options with { Coupling = 1.5 }, CPU));
        Assert.Contains("--coupling must be from 0 to 1 (got 1.5)", e.Message);
        Assert.Contains("AlignmentEnvironmentOptions.Coupling", e.Message);
        var f = Assert.Throws<OptionsException>(() => new PpoOptions { KlCoefficient = -0.1 }.Validate());
        Assert.Contains("--kl must be from 0 to 100 (got -0.1)", f.Message);
        Assert.Contains("PpoOptions.KlCoefficient", f.Message);
    }

    [Fact]
    public void FlipNoise_FlipsTheObservedFlagAtItsRate_NotTheTrueOne()
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(Options with { MonitorFlipNoise = 0.2 }, CPU);
        var c = env.Balanced(20000, 1);
        var flipped = (c.ObservedMonitored != c.Monitored).to(float32).mean().item<float>();
        Assert.Equal(0.2, flipped, 2);
        Assert.Equal(0.5, c.Monitored.mean().item<float>(), 6);
    }
}
