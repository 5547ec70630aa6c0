using System.Diagnostics;
using System.Globalization;
using LatentLab.LanguageModels.Simd;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LatentLab.Benchmarks;

/// <summary>
/// One projection of a Qwen3-0.6B layer (x (M, 1024) times W (3072, 1024)^T, float32) at the row counts of decoding
/// (M = 1, 8) and of a prefill (M = 128, 1024), written several ways, alternating A B C D A B C D, wall and CPU seconds per call:
///   linear      F.linear(x, W), what DecoderLayer calls (MKL sgemm, x W^T)
///   W x^T       matmul(W, x^T)^T: the weight as the left operand
///   fused       F.linear(x, [W; W]) / 2 calls: one product for two weights of the same input (q/k/v, gate/up fused)
///   x Wt        matmul(x, Wt) with the weight stored transposed, (1024, 3072) contiguous
///   kernel      FewRowsLinear, the decoding steps' C# kernel (M &lt;= 8), float32 weights and bfloat16 weights (and input)
/// With --big the weight is the tied head's shape, 151936 x 1024 (622 MB in float32: read from memory, not from cache, as
/// every weight of a decoding step is), and only F.linear and the kernel run.
///   dotnet run -c Release --project tests/LatentLab.Benchmarks -- llm-linear [--threads 2] [--reps 5] [--calls 200] [--big]
/// </summary>
public static class LlmLinearBenchmark
{
    public static int Run(string[] args)
    {
        string Get(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        int threads = int.Parse(Get("--threads", "2"), CultureInfo.InvariantCulture);
        int reps = int.Parse(Get("--reps", "5"), CultureInfo.InvariantCulture);
        int calls = int.Parse(Get("--calls", "200"), CultureInfo.InvariantCulture);
        TorchRuntime.EnsureInitialized();
        torch.set_num_threads(threads);
        using var noGrad = no_grad();
        var g = manual_seed(0);
        bool big = args.Contains("--big");
        long rowsW = big ? 151936 : 3072;
        if (big) calls = Math.Max(2, calls / 50);
        using var w = randn([rowsW, 1024], generator: g) * 0.02;
        using var wb = w.to(bfloat16);
        using var w2 = cat([w, w], 0);
        using var wt = w.t().contiguous();   // (1024, 3072): the weight stored transposed
        Console.WriteLine($"# llm-linear, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {threads} threads, load {File.ReadAllText("/proc/loadavg")[..14]}; kernels: {TorchRuntime.KernelSettings}");
        foreach (int m in big ? new[] { 1, 8 } : new[] { 1, 8, 128, 1024 })
        {
            using var x = randn([m, 1024], generator: g);
            using var xb = x.to(bfloat16);
            int n = m >= 128 ? Math.Max(4, calls / (m / 4)) : calls;
            var ways = new List<(string Name, Func<Tensor> Call, int Per, int Bytes)> { ("linear", () => F.linear(x, w), 1, 4) };
            if (!big)
            {
                ways.Add(("W x^T", () => w.matmul(x.t()).t(), 1, 4));
                ways.Add(("fused [W; W]", () => F.linear(x, w2), 2, 4));
                ways.Add(("x Wt (stored transposed)", () => x.matmul(wt), 1, 4));
            }
            if (m <= FewRowsLinear.MaxRows && FewRowsLinear.Enabled)
            {
                ways.Add(("kernel f32", () => FewRowsLinear.TryLinear(x, w, null)!, 1, 4));
                ways.Add(("kernel bf16", () => FewRowsLinear.TryLinear(xb, wb, null)!, 1, 2));
            }
            var cpu = ways.Select(_ => new List<double>()).ToArray();
            var wall = ways.Select(_ => new List<double>()).ToArray();
            foreach (var way in ways) for (int i = 0; i < 3; i++) way.Call().Dispose();   // warm-up
            for (int r = 0; r < reps; r++)
                for (int k = 0; k < ways.Count; k++)
                {
                    var me = Process.GetCurrentProcess();
                    var before = me.TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < n; i++) ways[k].Call().Dispose();
                    double seconds = clock.Elapsed.TotalSeconds;
                    me.Refresh();
                    cpu[k].Add((me.TotalProcessorTime - before).TotalSeconds / n / ways[k].Per);
                    wall[k].Add(seconds / n / ways[k].Per);
                }
            static double Median(List<double> v) => v.OrderBy(x => x).ElementAt(v.Count / 2);
            Console.WriteLine($"M = {m,4}:");
            for (int k = 0; k < ways.Count; k++)
            {
                double c = Median(cpu[k]), t = Median(wall[k]), gb = rowsW * 1024.0 * ways[k].Bytes / 1e9;
                Console.WriteLine($"  {ways[k].Name,-26} {t * 1e3,8:F3} ms wall ({gb / t,5:F1} GB/s, {2.0 * m * rowsW * 1024 / t / 1e9,5:F1} GFLOP/s), " +
                    $"{c * 1e3,8:F3} ms CPU ({gb / c:F1} GB/CPU-s)");
            }
        }
        return 0;
    }
}
