using LatentLab.Torch;
using TorchSharp;
using Xunit.Abstractions;

namespace LatentLab.Tests.Torch;

/// <summary>
/// The bandit runs' malloc settings last only for the run, so the multi-GB buffers that come later (language-model
/// weights) go back to the OS when freed. Measured through the process's resident set (/proc/self/status).
/// </summary>
[Collection(ProcessMemoryCollection.Name)]
public class NativeAllocatorTests(ITestOutputHelper output)
{
    const long MiB = 1024 * 1024;
    const long Big = 2048 * MiB;   // 2 GiB of float32

    [Fact]
    public void LargeBlockBytes_OutsideGlibcsRange_IsRefusedWithTheRange_AndTheDefaultStays()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => NativeAllocator.LargeBlockBytes = 64 << 20);
        Assert.Contains("32 MiB", e.Message);
        Assert.Equal(4 << 20, NativeAllocator.LargeBlockBytes);
    }

    [Fact]
    public void AfterABanditRun_AFreedMultiGigabyteTensor_GoesBackToTheOs()
    {
        if (!OperatingSystem.IsLinux()) return;   // the settings are glibc's; elsewhere KeepPagesMapped is a no-op
        // Holding torch's thread scope keeps every other LatentLab run (and so every other allocator scope) out meanwhile.
        using var threads = TorchRuntime.UseThreads(1);
        using (var run = NativeAllocator.KeepPagesMapped())
        {
            Assert.Equal(Environment.GetEnvironmentVariable("LATENTLAB_DEFAULT_MALLOC") != "1", run.Active);
            Assert.Equal(run.Active, NativeAllocator.IsKeepingPages);
            using (NativeAllocator.KeepPagesMapped()) Assert.Equal(run.Active, NativeAllocator.IsKeepingPages);   // nested: still on
            Assert.Equal(run.Active, NativeAllocator.IsKeepingPages);
            for (int i = 0; i < 4; i++)
            {
                using var scope = torch.NewDisposeScope();
                using var workspace = torch.ones(10 * MiB, dtype: torch.float32);   // 40 MB, like an LSTM workspace
            }
        }
        Assert.False(NativeAllocator.IsKeepingPages);

        var (before, held, after) = AllocateAndFree();
        output.WriteLine($"RSS before {before / MiB} MiB, holding 2 GiB {held / MiB} MiB, after freeing {after / MiB} MiB");
        Assert.True(held - before > Big * 9 / 10, $"the 2 GiB tensor did not show in the resident set ({before / MiB} -> {held / MiB} MiB)");
        Assert.True(after - before < 256 * MiB, $"freeing 2 GiB left the resident set at {after / MiB} MiB (was {before / MiB} MiB before)");
    }

    [Fact]
    public void InsideABanditRun_AMultiGigabyteTensor_StillAllocates_AndTheSettingsEndWithTheRun()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var threads = TorchRuntime.UseThreads(1);
        using (var run = NativeAllocator.KeepPagesMapped())
        {
            var (before, held, after) = AllocateAndFree();
            // Not asserted: whether these pages return depends on the thread's malloc arena (a thread arena mmaps such a
            // block anyway; the main arena keeps it in the heap). That is why the settings end with the run.
            output.WriteLine($"inside the run's settings (active {run.Active}): RSS before {before / MiB} MiB, holding {held / MiB} MiB, after freeing {after / MiB} MiB");
            Assert.True(held - before > Big * 9 / 10);
        }
        Assert.False(NativeAllocator.IsKeepingPages);
    }

    [Fact]
    public void AfterALanguageModelPass_ItsFreedActivationBlocks_AreBackWithTheOs_EvenAfterGlibcsThresholdHasSlid()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("LATENTLAB_DEFAULT_MALLOC") == "1") return;
        using var threads = TorchRuntime.UseThreads(1);
        // Free one 32 MB block first: glibc's sliding threshold then serves every later block below 32 MB from the heap,
        // where a freed block below a live one stays resident.
        torch.ones(8 * MiB, dtype: torch.float32).Dispose();
        long before = ResidentBytes(), held;
        var pins = new List<torch.Tensor>();
        using (var pass = NativeAllocator.ReturnLargeBlocks())
        {
            Assert.True(pass.Active);
            Assert.True(NativeAllocator.IsReturningLargeBlocks);
            using (NativeAllocator.ReturnLargeBlocks()) Assert.True(NativeAllocator.IsReturningLargeBlocks);   // nested: still on
            Assert.True(NativeAllocator.IsReturningLargeBlocks);

            // 24 activation-sized blocks (12 MB each, like an MLP tensor at 8 x 128 tokens), each with a small live
            // block allocated after it (a layer's output that outlives its intermediates); then the big ones are freed.
            var blocks = new List<torch.Tensor>();
            for (int i = 0; i < 24; i++)
            {
                blocks.Add(torch.ones(3 * MiB, dtype: torch.float32));
                pins.Add(torch.ones(1024, dtype: torch.float32));
            }
            held = ResidentBytes();
            foreach (var block in blocks) block.Dispose();

            using (var bandit = NativeAllocator.KeepPagesMapped())   // a bandit run's settings win while it runs
            {
                Assert.True(bandit.Active);
                Assert.False(NativeAllocator.IsReturningLargeBlocks);
            }
            Assert.True(NativeAllocator.IsReturningLargeBlocks);     // and the pass's come back after it
        }
        Assert.False(NativeAllocator.IsReturningLargeBlocks);
        Assert.False(NativeAllocator.IsKeepingPages);
        long after = ResidentBytes();
        foreach (var pin in pins) pin.Dispose();
        output.WriteLine($"RSS before {before / MiB} MiB, holding 24 x 12 MB {held / MiB} MiB, after the pass {after / MiB} MiB (small blocks still live)");
        Assert.True(held - before > 200 * MiB, $"the 288 MB of blocks did not show in the resident set ({before / MiB} -> {held / MiB} MiB)");
        Assert.True(after - before < 48 * MiB, $"after the pass the resident set stayed {(after - before) / MiB} MiB above where it started");
    }

    /// <summary>Allocates and touches 2 GiB, then a small tensor above it that stays alive, then frees the big one.</summary>
    static (long Before, long Held, long After) AllocateAndFree()
    {
        long before = ResidentBytes();
        var big = torch.ones(Big / sizeof(float), dtype: torch.float32);   // (512 Mi,) float32, every page touched
        using var pin = torch.ones(1024, dtype: torch.float32);            // allocated after it: the heap cannot shrink past it
        long held = ResidentBytes();
        big.Dispose();
        return (before, held, ResidentBytes());
    }

    static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;   // "VmRSS:  123456 kB"
    }
}
