using LatentLab.Reinforcement;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>#!rl-train with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class RlTrainHostileTests
{
    const string TinyBake = "--contexts-per-type 8 --width 8 --depth 1 --max-steps 40 --check-every 10 --device cpu";
    const string TinyPpo = "--seeds 2 --iterations 3 --episodes 32 --minibatches 2 --eval-every 1 --eval-per-type 8 --device cpu";

    static async Task<Microsoft.DotNet.Interactive.CompositeKernel> WithReferenceAsync()
    {
        var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!rl-bake {TinyBake} --out reference")).AssertSucceeded();
        (await kernel.SubmitAsync($"#!rl-train --reference reference {TinyPpo} --out earlier")).AssertSucceeded();
        return kernel;
    }

    [Theory]
    [InlineData("--seeds 1024 --episodes 65536 --minibatches 4", "Lower --seeds (about ")]
    [InlineData("--algorithm grpo --seeds 1024 --prompts 4096 --group-size 1024", "--group-size (")]
    [InlineData("--seeds 1024 --episodes 65536 --grid \"kl=0.1,0.2; concern-cost=0,0.1\"", "fewer --grid points (4 now")]
    [InlineData("--seeds 1024 --eval-per-type 100000", "the exact evaluation")]
    public async Task HugeButInRangeSizes_AreRefusedAtOnce_NamingTheEstimateAndTheOptionToLower(string line, string lower)
    {
        using var kernel = await WithReferenceAsync();

        var (result, elapsed) = await kernel.TimedAsync($"#!rl-train --reference reference {line} --iterations 10 --device cpu --out run");

        result.AssertCase(line, "#!rl-train", "need about", "available (", lower);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(("reference", typeof(BakedReference)), ("earlier", typeof(RlRun)));
    }

    [Theory]
    [InlineData("--kl NaN", "--kl")]
    [InlineData("--lr nan", "--lr")]
    [InlineData("--clip Infinity", "--clip")]
    [InlineData("--grid \"kl=NaN,0.1; concern-cost=0\"", "kl")]
    public async Task NonFiniteNumbers_AreNamed(string line, string option)
    {
        using var kernel = await WithReferenceAsync();

        var result = await kernel.SubmitAsync($"#!rl-train --reference reference {TinyPpo} {line} --out run");

        result.AssertCase(line, option);
        await kernel.AssertAliveAsync(("reference", typeof(BakedReference)), ("earlier", typeof(RlRun)));
    }

    [Theory]
    // A decimal comma inside a comma-separated grid: "0,04" reads as the values 0 and 04 (kl = 4), not 0.04.
    [InlineData("--grid \"kl=0,0,04; concern-cost=0,0.1\"", "'04' in 'kl=0,0,04' looks like the decimals of a number written with a decimal comma")]
    [InlineData("--grid \"kl=0.1,0.1; concern-cost=0,0.1\"", "'kl=0.1,0.1' lists the value 0.1 2 times")]
    [InlineData("--grid \"kl=; concern-cost=0,0.1\"", "'kl=' has no values")]
    public async Task GridValuesTypedWithADecimalCommaOrTwice_AreRefused(string line, string expected)
    {
        using var kernel = await WithReferenceAsync();

        var result = await kernel.SubmitAsync($"#!rl-train --reference reference {TinyPpo} {line} --out run");

        result.AssertCase(line, "--grid", expected);
        await kernel.AssertAliveAsync(("reference", typeof(BakedReference)), ("earlier", typeof(RlRun)));
    }

    [Fact]
    public async Task AnOptionsRecordOutOfRange_IsNamedWithItsVariable_UnlessTheLineOverridesIt()
    {
        using var kernel = await WithReferenceAsync();
        (await kernel.SubmitAsync("var ppo = new LatentLab.Reinforcement.PpoOptions { Seeds = 2, Iterations = 3, Episodes = 32, Minibatches = 2, " +
                                  "EvalEvery = 1, EvalPerType = 8, KlCoefficient = -1 }; var grpo = new LatentLab.Reinforcement.GrpoOptions { GroupSize = 1 };")).AssertSucceeded();

        var result = await kernel.SubmitAsync("#!rl-train --reference reference --options ppo --device cpu --out run");
        result.AssertCase("--options ppo", "--options ppo: --kl");
        result = await kernel.SubmitAsync("#!rl-train --reference reference --algorithm grpo --options grpo --device cpu --out run");
        result.AssertCase("--algorithm grpo --options grpo", "--options grpo: --group-size");

        (await kernel.SubmitAsync("#!rl-train --reference reference --options ppo --kl 0.05 --device cpu --out overridden")).AssertSucceeded();
        await kernel.AssertAliveAsync(("reference", typeof(BakedReference)), ("earlier", typeof(RlRun)), ("overridden", typeof(RlRun)));
    }

    [Fact]
    public async Task AFolderANullAndAWrongTypeAsReference_GetTheirOwnMessages()
    {
        using var kernel = await WithReferenceAsync();
        (await kernel.SubmitAsync("object nothing = null; object three = 3;")).AssertSucceeded();
        var folder = Path.Combine(Path.GetTempPath(), $"latentlab-itest-refdir-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var cases = new (string Line, string[] Expect)[]
            {
                ($"--reference \"{folder}\"", ["is a directory, give a file"]),                 // not "no C# variable or file"
                ("--reference nothing", ["'nothing' exists but holds null. Assign it first"]),   // not "holds null, not a Object"
                ("--reference three", ["'three' is an Int32; --reference needs a BakedReference"]),
            };
            foreach (var (line, expect) in cases)
            {
                var result = await kernel.SubmitAsync($"#!rl-train {line} {TinyPpo} --out run");
                result.AssertCase(line, expect);
                Assert.DoesNotContain("not a Object", result.Failure()!.Message);
                await kernel.AssertAliveAsync(("reference", typeof(BakedReference)), ("earlier", typeof(RlRun)));
            }
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public async Task InterruptedAtTheDefaults_BindsAPartialRun_WhoseStepsMatchItsRows()
    {
        using var kernel = await WithReferenceAsync();

        // The defaults: 16 seeds x 256 episodes x 200 iterations (about a minute); interrupted once it is under way.
        // The interrupt is sent once the run reports itself under way (not while it still waits for the torch thread scope).
        var started = new TaskCompletionSource();
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            if (e is DisplayedValueUpdated d && d.Formatted("text/plain").Contains("/200 iterations")) started.TrySetResult();
        });
        var run = kernel.SubmitAsync("#!rl-train --reference reference --device cpu --out run");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await Task.Delay(TimeSpan.FromSeconds(1));
        await kernel.SendAsync(new Cancel());
        await run;

        var partial = await kernel.EventuallyBoundAsync<RlRun>("run");
        Assert.True(partial.IsPartial);
        Assert.InRange(partial.StepsCompleted, 0, 199);
        // Consistent: the last evaluation row is at the steps completed (a dropped iteration left no trace).
        Assert.Equal(partial.StepsCompleted, partial.Rows.Max(r => r.Step));
        Assert.Equal((long)partial.StepsCompleted * 256, partial.EpisodesPerSeed);
        await kernel.AssertAliveAsync(("reference", typeof(BakedReference)), ("earlier", typeof(RlRun)), ("run", typeof(RlRun)));
    }
}
