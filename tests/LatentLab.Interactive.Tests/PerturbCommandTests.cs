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

public class PerturbCommandModelKindsTests
{
    [Fact]
    public async Task Perturb_MultiSeedPolicy_PoolsTrainingSeeds_AndSaysSoInTheTable()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        using var g = new Generator(4, CPU);
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        await csharp.SetValueAsync("run3", AlignmentPolicy.Create(env, new PolicyOptions { Width = 16, OutputGain = 3.0 }, 3, g), typeof(AlignmentPolicy));
        var result = await kernel.SubmitAsync("#!perturb --model run3 --points 3 --seeds 2 --resamples 100 --out pooled");
        result.AssertSucceeded();
        var curves = kernel.Bound<IReadOnlyList<PerturbationCurve>>("pooled");
        Assert.Equal(3, curves[0].TrainingSeeds);
        Assert.Contains("hierarchical bootstrap", string.Join("\n", result.Html()));
        var one = await kernel.SubmitAsync("#!perturb --model run3 --training-seeds 1 --points 2 --seeds 2 --resamples 100 --out first");
        one.AssertSucceeded();
        Assert.Equal(1, kernel.Bound<IReadOnlyList<PerturbationCurve>>("first")[0].TrainingSeeds);
        var tooMany = (await kernel.SubmitAsync("#!perturb --model run3 --training-seeds 5 --points 2 --seeds 2")).Failure();
        Assert.NotNull(tooMany);
        Assert.Contains("has 3 training seed(s)", tooMany!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }

    [Fact]
    public async Task Perturb_TheCotSyntheticVariable_SweepsTheTransformer()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync("#!cot-synthetic --steps 250 --layers 2 --width 32 --heads 2 --chain-length 12 --questions 60 --batch 64 --lr 0.005 --threads 1 --out acts")).AssertSucceeded();
        var result = await kernel.SubmitAsync("#!perturb --model acts --points 2 --seeds 2 --resamples 100 --out cot");
        result.AssertSucceeded();
        var curves = kernel.Bound<IReadOnlyList<PerturbationCurve>>("cot");
        Assert.Equal(["answer_accuracy", "probe_accuracy_refit", "probe_accuracy_fixed"], curves[0].Metrics.ToArray());
        Assert.Contains("probe_accuracy_refit", string.Join("\n", result.Html()));
    }
}

public class FineTuneAttackCommandTests
{
    static async Task<CompositeKernel> WithPolicies()
    {
        var kernel = await KernelTestHost.CreateAsync();
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        AlignmentPolicy Policy(ulong seed, int width, int seeds = 1)
        {
            using var g = new Generator(seed, CPU);
            return AlignmentPolicy.Create(env, new PolicyOptions { Width = width, OutputGain = 3.0 }, seeds, g);
        }
        await csharp.SetValueAsync("pre", Policy(1, 16), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("post", Policy(2, 16), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("wide", Policy(3, 24), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("two", Policy(4, 16, 2), typeof(AlignmentPolicy));
        return kernel;
    }

    [Fact]
    public async Task FineTuneAttack_TwoPolicies_BindsAttackAndControlWithK50()
    {
        using var kernel = await WithPolicies();
        var result = await kernel.SubmitAsync("#!finetune-attack --model pre --compare post --demonstrations 4 --max-steps 4 --seeds 2 --resamples 100 --out attack");
        result.AssertSucceeded();
        var results = kernel.Bound<IReadOnlyList<FineTuneAttackResult>>("attack");
        Assert.Equal(["pre (attack)", "post (attack)"], results.Select(r => r.Attack.Model).ToArray());
        Assert.Equal([1.0, 2, 4], results[0].Attack.Grid);
        var html = string.Join("\n", result.Html());
        Assert.Contains("k50", html);
        Assert.Contains("control (benign)", html);
        Assert.Contains("<code>attack</code> now holds the result", html);
    }

    [Theory]
    [InlineData("--model pre --compare wide", "same shape")]
    [InlineData("--model pre --max-steps 1", "--max-steps")]
    [InlineData("--model pre --demonstrations 0", "--demonstrations")]
    [InlineData("--model pre --attack-lr 0", "--attack-lr")]
    [InlineData("--model pre --target obey", "--target")]
    [InlineData("--model pre --compare two", "training seed(s)")]
    [InlineData("--model pre --training-seeds 3", "has 1 training seed(s)")]
    [InlineData("--model number", "needs an RL lab policy")]
    [InlineData("--model missing", "no C# variable named 'missing'")]
    [InlineData("--seeds 2", "--model")]
    public async Task FineTuneAttack_BadInput_FailsWithAMessage_AndTheKernelLives(string line, string message)
    {
        using var kernel = await WithPolicies();
        (await kernel.SubmitAsync("var number = 3;")).AssertSucceeded();
        var result = await kernel.SubmitAsync($"#!finetune-attack {line}");
        var failure = result.Failure();
        Assert.NotNull(failure);
        Assert.Contains(message, failure!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }
}
