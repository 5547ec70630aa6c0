using LatentLab.Options;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

/// <summary>CleanRL's PPO on CartPole: the plumbing and determinism only (the ~500 return is the benchmark's: `rl cartpole`).</summary>
[Collection("torch threads")]
public class CartPolePpoTests
{
    [Fact]
    public void TwoIterations_RecordEpisodes_AndRepeatExactly()
    {
        TorchRuntime.EnsureInitialized();
        var options = new CartPolePpoOptions { Seeds = 2, TotalTimesteps = 1024 };
        var a = CartPolePpo.Train(options, CPU);
        var b = CartPolePpo.Train(options, CPU);
        Assert.Equal(1024, a.StepsPerSeed);
        Assert.Equal(a.Rows, b.Rows);
        Assert.Equal(2, a.Rows.Select(r => r.Seed).Distinct().Count());
        // A near-uniform random policy on CartPole lasts ~20 steps: 1024 steps per seed finish dozens of episodes.
        Assert.InRange(a.Rows.Count(r => r.Seed == 0), 20, 200);
        Assert.All(a.Rows, r => Assert.InRange(r.Value, 8, 500));
        Assert.Equal(2, a.FinalReturn().Length);
    }

    [Fact]
    public void MinibatchesThatDoNotDivideTheBatch_AreRejected()
    {
        var e = Assert.Throws<OptionsException>(() => CartPolePpo.Train(new CartPolePpoOptions { Minibatches = 3 }, CPU));
        Assert.Contains("must divide", e.Message);
    }
}
