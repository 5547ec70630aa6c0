using System.Diagnostics;
using System.Globalization;
using LatentLab.LanguageModels;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Benchmarks;

/// <summary>
/// glibc malloc settings for a language-model prefill (`llm --allocator [--batches 8] [--prompt 128] [--reps 3]`): the
/// same B x T prefill (last-position logits, as generation's) under each setting in turn, rotating the order every rep,
/// with wall, user and sys seconds and the peak resident set of that call alone (VmHWM reset through /proc/self/clear_refs
/// before each), against the weights' bytes:
///   mmap >= 4 MB   NativeAllocator.ReturnLargeBlocks as shipped (every activation block of 4 MB+ is its own mapping)
///   mmap >= 8 MB   the same with an 8 MB threshold (the 4-8 MB activations come from the heap)
///   mmap >= 16 MB  the same with a 16 MB threshold (the 4-13 MB activations come from the heap)
///   keep pages     a NativeAllocator.KeepPagesMapped scope around the call (no per-block mmap; heap kept up to 1 GB)
/// </summary>
static class LlmAllocatorBenchmark
{
    public static int Run(LanguageModel model, Func<string, string, string> get, Func<string> load)
    {
        int b = int.Parse(get("--batches", "8").Split(',')[0], CultureInfo.InvariantCulture);
        int t = int.Parse(get("--prompt", "128"), CultureInfo.InvariantCulture), reps = int.Parse(get("--reps", "3"), CultureInfo.InvariantCulture);
        var generator = new Random(0);
        var variants = new (string Name, Func<IDisposable?> Setting)[]
        {
            ("mmap >= 4 MB (shipped)", () => null),
            ("mmap >= 8 MB", () => new Threshold(8 << 20)),
            ("mmap >= 16 MB", () => new Threshold(16 << 20)),
            ("keep pages mapped", () => NativeAllocator.KeepPagesMapped()),
        };
        var results = variants.Select(_ => new List<(double Wall, double User, double Sys, long Peak)>()).ToArray();
        void Prefill()
        {
            using var ids = tensor(Enumerable.Range(0, b * t).Select(_ => (long)generator.Next(model.Config.VocabSize)).ToArray(), [b, t], device: model.Device);
            using var logits = model.NextTokenLogits(ids, null, null);
            logits.cpu().Dispose();
        }
        Console.WriteLine($"allocator settings for a {b} x {t} prefill, {reps} reps (order rotated), weights {model.WeightBytes / 1e9:F2} GB; LATENTLAB_DEFAULT_MALLOC={Environment.GetEnvironmentVariable("LATENTLAB_DEFAULT_MALLOC") ?? "(unset)"}");
        Prefill();   // warm-up
        for (int r = 0; r < reps; r++)
            for (int k = 0; k < variants.Length; k++)
            {
                int v = (k + r) % variants.Length;
                ResetPeak();
                var me = Process.GetCurrentProcess();
                TimeSpan user = me.UserProcessorTime, sys = me.PrivilegedProcessorTime;
                var s = Stopwatch.StartNew();
                using (variants[v].Setting()) Prefill();
                double wall = s.Elapsed.TotalSeconds;
                me.Refresh();
                long peak = Status("VmHWM:");
                results[v].Add((wall, (me.UserProcessorTime - user).TotalSeconds, (me.PrivilegedProcessorTime - sys).TotalSeconds, peak));
                Console.WriteLine($"  rep {r + 1} {variants[v].Name}: {wall:F2} s wall, user {results[v][^1].User:F2} s, sys {results[v][^1].Sys:F2} s, " +
                    $"peak RSS {peak / 1e9:F2} GB ({(double)peak / model.WeightBytes:F2}x), RSS after {Status("VmRSS:") / 1e9:F2} GB; load average {load()}");
            }
        Console.WriteLine();
        Console.WriteLine($"| prefill {b} x {t}, {model.DType.ToString().ToLowerInvariant()} | wall s (median) | user s | sys s | peak RSS / weights (max) |");
        Console.WriteLine("|---|---|---|---|---|");
        for (int v = 0; v < variants.Length; v++)
        {
            var x = results[v];
            Console.WriteLine($"| {variants[v].Name} | {Median(x.Select(e => e.Wall))} | {Median(x.Select(e => e.User))} | {Median(x.Select(e => e.Sys))} | " +
                $"{x.Max(e => e.Peak) / (double)model.WeightBytes:F2}x |");
        }
        Console.WriteLine($"load average at the end {load()}");
        return 0;
    }

    sealed class Threshold : IDisposable
    {
        readonly int _before = NativeAllocator.LargeBlockBytes;
        public Threshold(int bytes) => NativeAllocator.LargeBlockBytes = bytes;
        public void Dispose() => NativeAllocator.LargeBlockBytes = _before;
    }

    static string Median(IEnumerable<double> values)
    {
        var s = values.OrderBy(v => v).ToArray();
        double m = s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        return m.ToString("F2", CultureInfo.InvariantCulture);
    }

    /// <summary>Resets VmHWM to the current resident set (Linux: "5" to /proc/self/clear_refs).</summary>
    static void ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return -1;
    }
}
