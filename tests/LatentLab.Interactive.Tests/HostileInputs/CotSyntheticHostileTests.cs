using LatentLab.Activations;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>#!cot-synthetic with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class CotSyntheticHostileTests
{
    const string Tiny = "--chain-length 8 --layers 1 --width 16 --heads 2 --steps 60 --batch 32 --questions 80 --seed 1 --device cpu";

    [Theory]
    // The issue's case: one step, a million recorded questions (~55 GB of activations at the defaults).
    [InlineData("--steps 1 --questions 1000000", "--questions")]
    // Every option in range, the recording the largest part.
    [InlineData("--steps 1 --questions 200000 --width 1024 --heads 8 --layers 24 --chain-length 256", "--questions")]
    // Training dominates: a huge batch of long chains through a wide, deep model.
    [InlineData("--steps 1 --questions 10 --batch 65536 --width 1024 --heads 8 --layers 24 --chain-length 256", "--batch")]
    public async Task HugeButInRangeOptions_AreRefusedAtOnce_NamingTheEstimateTheAvailableMemoryAndTheOptionToLower(string options, string lower)
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!cot-synthetic {Tiny} --out earlier")).AssertSucceeded();

        var (result, elapsed) = await kernel.TimedAsync($"#!cot-synthetic {options} --device cpu --out acts");

        var message = result.AssertCleanFailure("#!cot-synthetic:", "need about", "available (", $"Lower {lower}", "refused before allocating");
        Assert.Matches(@"about \d+(\.\d)? (GB|TB) of memory", message);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(("earlier", typeof(ActivationSet)));
    }

    [Fact]
    public async Task HostileLines_FailCleanly_AndTheKernelKeepsEarlierResults()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        // A normal run passes the memory check (and every other) and binds its result.
        (await kernel.SubmitAsync($"#!cot-synthetic {Tiny} --out earlier")).AssertSucceeded();
        (await kernel.SubmitAsync("LatentLab.Models.CotSyntheticOptions nothing = null; object notOptions = 3;")).AssertSucceeded();

        var cases = new (string Line, string[] Expect)[]
        {
            ("#!cot-synthetic --threads 100000", ["--threads", "100000"]),
            ("#!cot-synthetic --questions 5", ["--questions", "10"]),
            ("#!cot-synthetic --width 30 --heads 4", ["--width", "--heads"]),
            ("#!cot-synthetic --steps", ["--steps needs a value"]),
            ("#!cot-synthetic --lr 0,01", ["--lr", "0,01"]),
            ("#!cot-synthetic --options nothing", ["nothing", "holds null"]),
            ("#!cot-synthetic --options notOptions", ["notOptions", "Int32"]),
            ("#!cot-synthetic --options missingRecord", ["missingRecord", "no C# variable"]),
            // Beyond the int seed: the range with its upper end, not "must be at least 0" (which 99999999999 is).
            ("#!cot-synthetic --seed 99999999999", ["--seed must be a whole number from 0 to 2147483647 (got 99999999999)"]),
            ("#!cot-synthetic --steps 99999999999999999999999", ["--steps must be from 1 to", "(got 99999999999999999999999)"]),
        };
        foreach (var (line, expect) in cases)
        {
            var result = await kernel.SubmitAsync(line + " --device cpu --out acts");
            result.AssertCase(line, expect);
            await kernel.AssertAliveAsync(("earlier", typeof(ActivationSet)));
        }
    }
}
