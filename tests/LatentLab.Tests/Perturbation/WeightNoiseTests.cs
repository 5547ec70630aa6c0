using LatentLab.Perturbation;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Perturbation;

[Collection("torch threads")]
public class WeightNoiseTests
{
    [Fact]
    public void Apply_AddsNoiseScaledByTheTensorsOwnRms_CheckedByHand()
    {
        TorchRuntime.EnsureInitialized();
        var w = tensor(new float[] { 3, 4, 0, 0 }).view(2, 2);                 // RMS = sqrt((9 + 16) / 4) = 2.5
        var b = tensor(new float[] { 0, 0 });                                    // RMS 0: no noise
        Assert.Equal(2.5, WeightNoise.Rms(w).item<float>(), 6);
        var eps = WeightNoise.Draw([[2, 2], [2]], seeds: 3, seed: 7, CPU);
        Assert.Equal(new long[] { 3, 2, 2 }, eps[0].shape);
        var perturbed = WeightNoise.Apply([w, b], eps, [true, true], scale: 0.1);
        var e = eps[0].data<float>().ToArray();
        var p = perturbed[0].data<float>().ToArray();
        float[] clean = [3, 4, 0, 0];
        for (int i = 0; i < 12; i++) Assert.Equal(clean[i % 4] + 0.25 * e[i], p[i], 5); // s * RMS = 0.1 * 2.5
        Assert.All(perturbed[1].data<float>().ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Apply_OutsideTheScopeOrAtZero_LeavesTheTensorExactly()
    {
        TorchRuntime.EnsureInitialized();
        using var g = new Generator(3, CPU);
        var w = randn(new long[] { 4, 3 }, generator: g);
        var eps = WeightNoise.Draw([[4, 3]], 2, 1, CPU);
        var untouched = WeightNoise.Apply([w], eps, [false], 1.0)[0];
        var zero = WeightNoise.Apply([w], eps, [true], 0.0)[0];
        for (int r = 0; r < 2; r++)
        {
            Assert.True(untouched[r].eq(w).all().item<bool>());
            Assert.True(zero[r].eq(w).all().item<bool>());
        }
    }

    [Fact]
    public void Draw_TwoNetworksOfTheSameShape_GetIdenticalRelativeNoise()
    {
        using var a = PerturbationFixtures.Subject("a", 1);
        using var b = PerturbationFixtures.Subject("b", 2);
        var shapesA = a.Parameters.Select(p => p.Shape).ToArray();
        var shapesB = b.Parameters.Select(p => p.Shape).ToArray();
        var epsA = WeightNoise.Draw(shapesA, 3, 11, CPU);
        var epsB = WeightNoise.Draw(shapesB, 3, 11, CPU);
        var touched = a.Parameters.Select(_ => true).ToArray();
        var pa = WeightNoise.Apply(a.Parameters.Select(p => p.Value).ToArray(), epsA, touched, 0.3);
        var pb = WeightNoise.Apply(b.Parameters.Select(p => p.Value).ToArray(), epsB, touched, 0.3);
        for (int i = 0; i < pa.Length; i++)
        {
            Assert.True(epsA[i].eq(epsB[i]).all().item<bool>(), $"draws of {a.Parameters[i].Name} differ");
            // (W' - W) / RMS(W) is the same for both networks where both have a nonzero RMS (fresh biases are zero).
            var wa = a.Parameters[i].Value; var wb = b.Parameters[i].Value;
            if (WeightNoise.Rms(wa).item<float>() == 0) continue;
            var ra = (pa[i] - wa) / WeightNoise.Rms(wa);
            var rb = (pb[i] - wb) / WeightNoise.Rms(wb);
            Assert.True(ra.allclose(rb, rtol: 1e-4, atol: 1e-5), $"relative noise of {a.Parameters[i].Name} differs");
        }
        Assert.False(a.Parameters[0].Value.eq(b.Parameters[0].Value).all().item<bool>()); // the networks themselves differ
    }
}
