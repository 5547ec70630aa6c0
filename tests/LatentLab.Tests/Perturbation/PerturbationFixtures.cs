using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Perturbation;

/// <summary>Small RL policies for the perturbation tests (random, but far from uniform: output gain 3).</summary>
internal static class PerturbationFixtures
{
    internal static AlignmentEnvironment Environment()
    {
        TorchRuntime.EnsureInitialized();
        return new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
    }

    internal static PolicySubject Subject(string name, ulong seed, int width = 16, AlignmentEnvironment? env = null,
        PolicyArchitecture architecture = PolicyArchitecture.Mlp)
    {
        env ??= Environment();
        using var g = new Generator(seed, CPU);
        var policy = AlignmentPolicy.Create(env, new PolicyOptions { Architecture = architecture, Width = width, Depth = 2, OutputGain = 3.0 }, 1, g);
        return new PolicySubject(name, policy, evalPerType: 16);
    }

    internal static PerturbationOptions Quick => new() { Points = 5, Seeds = 4, NoiseMin = 0.01, NoiseMax = 3, Resamples = 200 };
}
