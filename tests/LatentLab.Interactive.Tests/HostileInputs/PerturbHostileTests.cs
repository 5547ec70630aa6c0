using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>#!perturb with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class PerturbHostileTests
{
    static async Task<Microsoft.DotNet.Interactive.CompositeKernel> WithPoliciesAsync()
    {
        var kernel = await KernelTestHost.CreateAsync();
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        using var g = new Generator(1, CPU);
        await csharp.SetValueAsync("pre", AlignmentPolicy.Create(env, new PolicyOptions { Width = 16, OutputGain = 3.0 }, 1, g), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("wide", AlignmentPolicy.Create(env, new PolicyOptions { Width = 1024, OutputGain = 3.0 }, 1, g), typeof(AlignmentPolicy));
        (await kernel.SubmitAsync("#!perturb --model pre --points 2 --seeds 2 --resamples 100 --out earlier")).AssertSucceeded();
        return kernel;
    }

    [Fact]
    public async Task HugeButInRangeSeeds_OnAWidePolicy_AreRefusedAtOnce_NamingTheEstimateAndAValueThatFits()
    {
        using var kernel = await WithPoliciesAsync();

        var (result, elapsed) = await kernel.TimedAsync("#!perturb --model wide --seeds 4096 --points 3 --out curves");

        result.AssertCleanFailure("#!perturb", "need about", "available (", "Lower --seeds (about ", "or less fits here");
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(("pre", typeof(AlignmentPolicy)), ("earlier", typeof(IReadOnlyList<PerturbationCurve>)));
    }

    [Theory]
    [InlineData("--noise-min NaN", "--noise-min")]
    [InlineData("--noise-max Infinity", "--noise-max")]
    [InlineData("--noise-min 5 --noise-max 1", "--noise-min")]
    [InlineData("--scope layer:99", "layer")]
    [InlineData("--scope filter:", "filter")]
    public async Task BadNumbersAndScopes_AreNamed(string line, string option)
    {
        using var kernel = await WithPoliciesAsync();

        var result = await kernel.SubmitAsync($"#!perturb --model pre --points 2 --seeds 2 --resamples 100 {line} --out curves");

        result.AssertCase(line, option);
        await kernel.AssertAliveAsync(("pre", typeof(AlignmentPolicy)), ("earlier", typeof(IReadOnlyList<PerturbationCurve>)));
    }

    [Fact]
    public async Task InterruptedAtTheDefaults_BindsTheWholePointsDone()
    {
        using var kernel = await WithPoliciesAsync();

        // The interrupt is sent once the sweep reports its first point (not while it still waits for the torch thread scope).
        var started = new TaskCompletionSource();
        using var subscription = kernel.KernelEvents.Subscribe(e => { if (e is Microsoft.DotNet.Interactive.Events.DisplayedValueUpdated) started.TrySetResult(); });
        var run = kernel.SubmitAsync("#!perturb --model pre --out curves");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await kernel.SendAsync(new Cancel());
        await run;

        var curve = (await kernel.EventuallyBoundAsync<IReadOnlyList<PerturbationCurve>>("curves"))[0];
        if (curve.IsPartial) Assert.InRange(curve.Grid.Count, 0, new PerturbationOptions().Points - 1);
        Assert.Equal(curve.Grid.Count, Enumerable.Range(0, curve.Grid.Count).Count(i => curve.Values(i, curve.Metrics[0]).Length == curve.Seeds));
        await kernel.AssertAliveAsync(("pre", typeof(AlignmentPolicy)), ("earlier", typeof(IReadOnlyList<PerturbationCurve>)), ("curves", typeof(IReadOnlyList<PerturbationCurve>)));
    }
}
