using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Benchmarks;

/// <summary>
/// `allocator [--gb 2]`: on the process's main thread (glibc's main arena, where a console tool's work runs), allocates and
/// touches a multi-GB tensor, allocates a small one after it that stays alive, frees the big one, and prints the resident
/// set at each point: once inside a bandit run's <see cref="NativeAllocator"/> settings, once after they ended.
/// </summary>
public static class AllocatorBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        double gb = args.SkipWhile(a => a != "--gb").Skip(1).Select(double.Parse).FirstOrDefault(2);
        long floats = (long)(gb * 1024 * 1024 * 1024 / sizeof(float));
        var pins = new List<torch.Tensor>();
        using (var run = NativeAllocator.KeepPagesMapped())
            Measure($"inside a bandit run's settings (active {run.Active})", floats, pins);
        Measure("after the run's settings ended", floats, pins);
        pins.ForEach(p => p.Dispose());
        return 0;
    }

    static void Measure(string label, long floats, List<torch.Tensor> pins)
    {
        long before = ResidentMiB();
        var big = torch.ones(floats, dtype: torch.float32);   // every page touched
        pins.Add(torch.ones(1024, dtype: torch.float32));       // allocated after it and kept: the heap cannot shrink past it
        long held = ResidentMiB();
        big.Dispose();
        Console.WriteLine($"{label}: RSS {before} MiB -> {held} MiB holding {floats * 4 >> 20} MiB -> {ResidentMiB()} MiB after freeing it");
    }

    static long ResidentMiB() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
}
