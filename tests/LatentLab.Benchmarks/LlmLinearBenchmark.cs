using System.Diagnostics;
using System.Globalization;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LatentLab.Benchmarks;

/// <summary>
/// One projection of a Qwen3-0.6B layer (x (M, 1024) times W (3072, 1024)^T, float32) at the row counts of decoding
/// (M = 1, 8) and of a prefill (M = 128, 1024), written four ways, alternating A B C D A B C D, CPU seconds per call:
///   linear      F.linear(x, W), what DecoderLayer calls (MKL sgemm, x W^T)
///   W x^T       matmul(W, x^T)^T: the weight as the left operand
///   fused       F.linear(x, [W; W]) / 2 calls: one product for two weights of the same input (q/k/v, gate/up fused)
///   x Wt        matmul(x, Wt) with the weight stored transposed, (1024, 3072) contiguous
///   dotnet run -c Release --project tests/LatentLab.Benchmarks -- llm-linear [--threads 2] [--reps 5] [--calls 200]
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
        using var w = randn([3072, 1024], generator: g) * 0.02;
        using var w2 = cat([w, w], 0);
        using var wt = w.t().contiguous();   // (1024, 3072): the weight stored transposed
        Console.WriteLine($"# llm-linear, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {threads} threads, load {File.ReadAllText("/proc/loadavg")[..14]}; kernels: {TorchRuntime.KernelSettings}");
        foreach (int m in new[] { 1, 8, 128, 1024 })
        {
            using var x = randn([m, 1024], generator: g);
            int n = m >= 128 ? Math.Max(4, calls / (m / 4)) : calls;
            var ways = new (string Name, Func<Tensor> Call, int Per)[]
            {
                ("linear", () => F.linear(x, w), 1),
                ("W x^T", () => w.matmul(x.t()).t(), 1),
                ("fused [W; W]", () => F.linear(x, w2), 2),
                ("x Wt (stored transposed)", () => x.matmul(wt), 1),
            };
            var cpu = ways.Select(_ => new List<double>()).ToArray();
            foreach (var way in ways) for (int i = 0; i < 3; i++) way.Call().Dispose();   // warm-up
            for (int r = 0; r < reps; r++)
                for (int k = 0; k < ways.Length; k++)
                {
                    var me = Process.GetCurrentProcess();
                    var before = me.TotalProcessorTime;
                    for (int i = 0; i < n; i++) ways[k].Call().Dispose();
                    me.Refresh();
                    cpu[k].Add((me.TotalProcessorTime - before).TotalSeconds / n / ways[k].Per);
                }
            double gb = 3072.0 * 1024 * 4 / 1e9;
            Console.WriteLine($"M = {m,4}: " + string.Join("; ", ways.Select((way, k) =>
            {
                double med = cpu[k].OrderBy(v => v).ElementAt(cpu[k].Count / 2);
                return $"{way.Name} {med * 1e3:F3} ms CPU per weight ({gb / med:F1} GB/CPU-s, {2.0 * m * 3072 * 1024 / med / 1e9:F1} GFLOP/CPU-s)";
            })));
        }
        return 0;
    }
}
