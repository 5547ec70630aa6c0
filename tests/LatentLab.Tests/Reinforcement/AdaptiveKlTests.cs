using LatentLab.Reinforcement;

namespace LatentLab.Tests.Reinforcement;

[Collection("torch threads")]
public class AdaptiveKlTests
{
    [Fact]
    public void AdaptiveCoefficient_RisesWhileTheKlIsAboveTarget_FixedOneStays()
    {
        var (_, reference, contexts) = ClosedFormConvergenceTests.Setup();
        var options = new PpoOptions { Seeds = 2, Iterations = 6, Episodes = 64, Minibatches = 2, LearningRate = 3e-2, KlCoefficient = 0.05, EvalEvery = 6, EvalPerType = 2 };
        var fixedRun = Ppo.Train(reference, options, contexts);
        Assert.All(fixedRun.FinalKlCoefficient, b => Assert.Equal(0.05, b, 6));
        // Target far below what the policy reaches: Ziegler's controller raises beta by up to 20% * B / horizon per iteration.
        var adaptive = Ppo.Train(reference, options with { KlTarget = 1e-4, KlHorizon = 64 }, contexts);
        Assert.All(adaptive.FinalKlCoefficient, b => Assert.True(b > 0.05 * 1.1, $"beta {b}"));
        Assert.All(adaptive.FinalKlCoefficient, b => Assert.True(b <= 0.05 * Math.Pow(1.2, 6) + 1e-6, $"beta {b}"));
    }
}
