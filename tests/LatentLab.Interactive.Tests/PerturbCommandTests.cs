using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Interactive.Tests;

public class PerturbCommandTests
{
    static AlignmentPolicy Policy(AlignmentEnvironment env, ulong seed, int width)
    {
        using var g = new Generator(seed, CPU);
        return AlignmentPolicy.Create(env, new PolicyOptions { Width = width, OutputGain = 3.0 }, 1, g);
    }

    static async Task<CompositeKernel> WithPolicies()
    {
        var kernel = await KernelTestHost.CreateAsync();
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        await csharp.SetValueAsync("pre", Policy(env, 1, 16), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("post", Policy(env, 2, 16), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("wide", Policy(env, 3, 24), typeof(AlignmentPolicy));
        return kernel;
    }

    [Fact]
    public async Task Perturb_TwoPolicies_BindsPairedCurvesWithS50()
    {
        using var kernel = await WithPolicies();
        var result = await kernel.SubmitAsync("#!perturb --model pre --compare post --points 3 --seeds 2 --resamples 100 --scope head --out curves");
        result.AssertSucceeded();
        var curves = kernel.Bound<IReadOnlyList<PerturbationCurve>>("curves");
        Assert.Equal(["pre", "post"], curves.Select(c => c.Model).ToArray());
        Assert.Equal(3, curves[0].Grid.Count);
        var html = string.Join("\n", result.Html());
        Assert.Contains("specificity", html);
        Assert.Contains("benign_accuracy", html);
        Assert.Contains("<code>curves</code> now holds the result", html);
    }

    [Theory]
    [InlineData("--model pre --compare wide", "same shape")]
    [InlineData("--model pre --scope filter:lstm", "matches no parameter")]
    [InlineData("--model pre --noise-min 1 --noise-max 0.1", "must increase")]
    [InlineData("--model number", "no perturbation metrics")]
    [InlineData("--model missing", "no C# variable named 'missing'")]
    public async Task Perturb_BadInput_FailsWithAMessage_AndTheKernelLives(string line, string message)
    {
        using var kernel = await WithPolicies();
        (await kernel.SubmitAsync("var number = 3;")).AssertSucceeded();
        var result = await kernel.SubmitAsync($"#!perturb {line} --points 2 --seeds 2");
        var failure = result.Failure();
        Assert.NotNull(failure);
        Assert.Contains(message, failure!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }
}
