using LatentLab.Reinforcement;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>#!rl-bake with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class RlBakeHostileTests
{
    const string Tiny = "--contexts-per-type 8 --width 8 --depth 1 --max-steps 40 --check-every 10 --device cpu";

    [Fact]
    public async Task HugeButInRangeSizes_AreRefusedAtOnce_NamingTheEstimateTheAvailableMemoryAndAValueThatFits()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!rl-bake {Tiny} --out earlier")).AssertSucceeded();

        var (result, elapsed) = await kernel.TimedAsync("#!rl-bake --seeds 64 --contexts-per-type 100000 --width 256 --device cpu --out reference");

        result.AssertCleanFailure("#!rl-bake", "need about", "available (", "Lower --contexts-per-type (about ", "or less fits here");
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(("earlier", typeof(BakedReference)));
    }

    [Theory]
    [InlineData("--lr NaN", "--lr")]
    [InlineData("--margin nan", "--margin")]
    [InlineData("--tolerance Infinity", "--tolerance")]
    [InlineData("--rescale -0", "--rescale")]
    [InlineData("--min-probability 0.5", "--min-probability")]
    public async Task NonFiniteOrDegenerateNumbers_AreNamed(string line, string option)
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!rl-bake {Tiny} --out earlier")).AssertSucceeded();

        var result = await kernel.SubmitAsync($"#!rl-bake {Tiny} {line} --out reference");

        result.AssertCase(line, option);
        await kernel.AssertAliveAsync(("earlier", typeof(BakedReference)));
    }

    [Theory]
    [InlineData("--contexts-per-type 1 --width 1 --depth 0 --max-steps 1 --check-every 1")]
    [InlineData("--seeds 1 --extra-steps 0 --max-steps 1 --check-every 10000 --contexts-per-type 2 --width 2 --depth 1")]
    public async Task OddValuesWithinTheRanges_RunOrFailCleanly_AndBindNothingHalfMade(string line)
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!rl-bake {Tiny} --out earlier")).AssertSucceeded();

        var result = await kernel.SubmitAsync($"#!rl-bake {line} --device cpu --out odd");

        if (result.Failure() is not null) result.AssertCase(line);
        else await kernel.AssertAliveAsync(("odd", typeof(BakedReference)));
        await kernel.AssertAliveAsync(("earlier", typeof(BakedReference)));
    }

    [Fact]
    public async Task Interrupted_BindsThePartlyBakedReference_MarkedPartial_AndTheKernelLives()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!rl-bake {Tiny} --out earlier")).AssertSucceeded();
        // Tolerance 0 never matches, so the bake runs its 100000 steps unless interrupted.
        var started = new TaskCompletionSource();
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            if (e is DisplayedValueUpdated d && d.Formatted("text/plain").Contains("/100000 steps")) started.TrySetResult();
        });
        var run = kernel.SubmitAsync("#!rl-bake --contexts-per-type 8 --width 8 --depth 1 --tolerance 0 --max-steps 100000 --check-every 10 --device cpu --out baked");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await kernel.SendAsync(new Cancel());
        await run;

        var partial = await kernel.EventuallyBoundAsync<BakedReference>("baked");
        Assert.True(partial.IsPartial);
        Assert.InRange(partial.Steps, 1, 99_999);
        await kernel.AssertAliveAsync(("earlier", typeof(BakedReference)), ("baked", typeof(BakedReference)));
    }
}
