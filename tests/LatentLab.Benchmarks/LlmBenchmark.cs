using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LatentLab.LanguageModels;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Benchmarks;

/// <summary>
/// Speed and memory of <see cref="LanguageModel"/> against a PyTorch peer on the same weights, in the same run:
///
///   dotnet run -c Release --project tests/LatentLab.Benchmarks -- llm [--shape qwen3-0.6b|qwen3-150m | --model DIR]
///       [--threads 2] [--prompt 128] [--batches 1,8] [--new 16] [--decode-prompt 32] [--reps 2] [--dtype float32|bfloat16] [--device cpu]
///       [--work /tmp/latentlab-llm-bench] [--python /usr/bin/python3] [--large-block-mb 4]
///   dotnet run -c Release --project tests/LatentLab.Benchmarks -- llm --recorder [--questions 2] [--new 16] [--reps 2] [--tokenizer DIR]
///       the recorder's overhead over plain generation instead (no peer; see LlmRecorderBenchmark)
///   dotnet run -c Release --project tests/LatentLab.Benchmarks -- llm --allocator [--batches 8] [--prompt 128] [--reps 3]
///       glibc malloc settings for one prefill, peak RSS per call (no peer; see LlmAllocatorBenchmark)
///
/// Without --model it writes a random-weight Qwen3 checkpoint of the given shape (default: Qwen3-0.6B's, 2.4 GB of F32)
/// with llm_torch_peer.py (cached in --work). The peer (llm_torch_peer.py serve) is Debian 12's python3-torch 1.13 running
/// a plain PyTorch Qwen3 forward written like transformers' Qwen3ForCausalLM (transformers itself cannot be installed
/// here; see that script). It needs OpenBLAS (apt-get install python3-torch libopenblas0-pthread): with Debian's
/// reference libblas3 alone torch 1.13 runs its matmuls at ~0.6 GFLOP/s.
/// Both sides get the same thread count and the same token shapes; every measurement alternates LatentLab, peer,
/// LatentLab, peer ... so load changes on a shared machine hit both; the load average is printed at every repetition.
///   prefill B x T: one forward pass over B x T tokens returning the last position's logits (generation's prefill);
///   decode B: after a B x --decode-prompt prefill, N greedy steps with the KV cache, timed over the N steps only;
///   peak RSS: the process's high-water mark (VmHWM / ru_maxrss) after everything, against the weights' bytes.
/// </summary>
public static class LlmBenchmark
{
    public static int Run(string[] args)
    {
        string Get(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        int threads = int.Parse(Get("--threads", "2"), CultureInfo.InvariantCulture);
        int prompt = int.Parse(Get("--prompt", "128"), CultureInfo.InvariantCulture);
        int newTokens = int.Parse(Get("--new", "16"), CultureInfo.InvariantCulture);
        int decodePrompt = int.Parse(Get("--decode-prompt", "32"), CultureInfo.InvariantCulture);
        int reps = int.Parse(Get("--reps", "2"), CultureInfo.InvariantCulture);
        var batches = Get("--batches", "1,8").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        string dtypeName = Get("--dtype", "float32"), shape = Get("--shape", "qwen3-0.6b");
        string python = Get("--python", "/usr/bin/python3");
        string script = FindScript();
        string work = Get("--work", Path.Combine(Path.GetTempPath(), "latentlab-llm-bench"));
        string folder = Get("--model", Path.Combine(work, shape));
        var device = TorchRuntime.ResolveDevice(Get("--device", "cpu"));
        var dtype = dtypeName == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;

        Console.WriteLine($"# llm benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {Load()}");
        if (!File.Exists(Path.Combine(folder, "model.safetensors")))
        {
            if (args.Contains("--model")) { Console.Error.WriteLine($"--model {folder}: no model.safetensors there."); return 2; }
            Console.WriteLine($"writing a random-weight {shape} checkpoint to {folder} ...");
            var made = RunPython(python, script, $"make {folder} --shape {shape}");
            if (made is null) return 2;
            Console.WriteLine($"  {made}");
        }
        long weightBytes = Directory.GetFiles(folder, "*.safetensors").Sum(f => new FileInfo(f).Length);

        torch.set_num_threads(threads);
        // --large-block-mb N: NativeAllocator's mmap threshold for the language-model passes (the shipped default otherwise).
        if (args.Contains("--large-block-mb")) NativeAllocator.LargeBlockBytes = int.Parse(Get("--large-block-mb", "4"), CultureInfo.InvariantCulture) << 20;
        var sw = Stopwatch.StartNew();
        using var model = LanguageModel.Load(folder, device, dtype);
        double loadSeconds = sw.Elapsed.TotalSeconds;
        long rssAfterLoad = PeakRss();
        Console.WriteLine($"model {folder}: {model.Config.ModelType}, {model.ParameterCount / 1e6:F0} M parameters, {model.Config.Layers} layers, " +
            $"hidden {model.Config.HiddenSize}, vocab {model.Config.VocabSize}; file {weightBytes / 1e9:F2} GB, in memory {model.WeightBytes / 1e9:F2} GB {dtypeName}");
        Console.WriteLine($"LatentLab: TorchSharp {typeof(torch).Assembly.GetName().Version}, {torch.get_num_threads()} threads, {device}, mmap threshold {NativeAllocator.LargeBlockBytes >> 20} MB, loaded in {loadSeconds:F1} s, peak RSS after load {rssAfterLoad / 1e9:F2} GB; kernels: {TorchRuntime.KernelSettings}");

        if (args.Contains("--recorder")) return LlmRecorderBenchmark.Run(model, Get, work, Load);
        if (args.Contains("--allocator")) return LlmAllocatorBenchmark.Run(model, Get, Load);

        using var peer = new Peer(python, script, folder, threads, dtypeName);
        Console.WriteLine($"peer: {peer.Banner}");

        // Same function? The last position's logits for one fixed sequence, from both.
        var check = Enumerable.Range(0, 16).Select(i => (long)(i * 7919 % model.Config.VocabSize)).ToArray();
        double[] ours;
        using (var ids = tensor(check, [1, check.Length], device: device))
        using (var logits = model.NextTokenLogits(ids, null, null))
            ours = logits[0].to(float64).cpu().data<double>().ToArray();
        var theirs = peer.Ask($"logits {string.Join(',', check)}").GetProperty("logits").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double maxDiff = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max(), maxAbs = theirs.Max(Math.Abs);
        Console.WriteLine($"check: last-position logits of a 16-token sequence differ by at most {maxDiff:E1} (|logit| up to {maxAbs:F2})");

        var generator = new Random(0);
        long[] RandomIds(int n) => Enumerable.Range(0, n).Select(_ => (long)generator.Next(model.Config.VocabSize)).ToArray();
        double OursPrefill(int b)
        {
            using var ids = tensor(RandomIds(b * prompt), [b, prompt], device: device);
            var s = Stopwatch.StartNew();
            using (var logits = model.NextTokenLogits(ids, null, null)) logits.cpu().Dispose();
            return s.Elapsed.TotalSeconds;
        }
        double OursDecode(int b)
        {
            using var scope = NewDisposeScope();
            using var cache = new KvCache(model.Config.Layers, decodePrompt + newTokens);
            var ids = tensor(RandomIds(b * decodePrompt), [b, decodePrompt], device: device);
            var logits = model.NextTokenLogits(ids, null, cache);
            var s = Stopwatch.StartNew();
            for (int i = 0; i < newTokens; i++)
            {
                using var step = NewDisposeScope();
                var next = logits.argmax(-1, keepdim: true);                                   // (B, 1)
                logits = model.NextTokenLogits(next, null, cache).MoveToOuterDisposeScope();
            }
            logits.cpu();
            return s.Elapsed.TotalSeconds;
        }

        var rows = new List<(string Name, double Tokens, double[] Ours, double[] Peer, double Flop, double Bytes, double[] OursCpu, double[] PeerCpu)>();
        // FLOPs of a forward pass: 2 x (non-embedding parameters) per token + attention (QK^T and PV) + the head on the last position.
        long d = model.Config.HiddenSize, layers = model.Config.Layers, vocab = model.Config.VocabSize;
        double qDim = model.Config.Heads * model.Config.HeadDim;
        double layerParams = model.ParameterCount - vocab * d * (model.Config.TiedEmbeddings ? 1 : 2);
        double AttentionFlop(double queries, double keys) => layers * 4 * qDim * queries * keys;
        foreach (var b in batches)
        {
            var (o, p, oc, pc) = Measure($"prefill {b} x {prompt}", reps, () => OursPrefill(b), () => peer.Seconds($"prefill {b} {prompt}"));
            double flop = b * (2 * layerParams * prompt + AttentionFlop(prompt, prompt) / 2 + 2 * vocab * d);
            rows.Add(($"prefill {b} x {prompt}", b * prompt, o, p, flop, 0, oc, pc));
        }
        foreach (var b in batches)
        {
            var (o, p, oc, pc) = Measure($"decode batch {b}", reps, () => OursDecode(b), () => peer.Seconds($"decode {b} {decodePrompt} {newTokens}"));
            // Each step reads every weight once (the tied embedding as the head) plus the KV cache.
            double cacheBytes = layers * 2 * model.Config.KvHeads * model.Config.HeadDim * (decodePrompt + newTokens / 2.0) * b * (dtype == ScalarType.Float32 ? 4 : 2);
            rows.Add(($"decode batch {b} ({newTokens} new after {decodePrompt})", b * newTokens, o, p, 0, newTokens * (model.WeightBytes + cacheBytes), oc, pc));
        }
        long oursRss = PeakRss();
        long peerRss = peer.Ask("rss").GetProperty("peak_rss_bytes").GetInt64();

        Console.WriteLine();
        Console.WriteLine($"| {shape}, {dtypeName}, {threads} threads | LatentLab tokens/s | PyTorch peer tokens/s | wall ratio (median, [min, max] over reps) | CPU-seconds ratio (peer / LatentLab, user + sys) | LatentLab GFLOP/s or GB/s (wall; per CPU-second) |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            double om = Median(r.Ours), pm = Median(r.Peer);
            var ratios = r.Ours.Zip(r.Peer, (a, b) => b / a).ToArray();   // per paired rep: their time / ours = our speed-up
            double ocm = Median(r.OursCpu);
            var cpuRatios = r.OursCpu.Zip(r.PeerCpu, (a, b) => b / a).ToArray();
            string rate = r.Flop > 0 ? $"{r.Flop / om / 1e9:F1} GFLOP/s; {r.Flop / ocm / 1e9:F1} per CPU-s" : $"{r.Bytes / om / 1e9:F2} GB/s; {r.Bytes / ocm / 1e9:F2} per CPU-s";
            Console.WriteLine($"| {r.Name} | {r.Tokens / om:F1} | {r.Tokens / pm:F1} | {pm / om:F2}x [{ratios.Min():F2}, {ratios.Max():F2}] | " +
                $"{Median(r.PeerCpu) / ocm:F2}x [{cpuRatios.Min():F2}, {cpuRatios.Max():F2}] ({ocm:F1} vs {Median(r.PeerCpu):F1} s) | {rate} |");
        }
        Console.WriteLine($"| peak RSS | {oursRss / 1e9:F2} GB ({(double)oursRss / model.WeightBytes:F2}x the weights; {(double)rssAfterLoad / model.WeightBytes:F2}x after load) | {peerRss / 1e9:F2} GB ({(double)peerRss / model.WeightBytes:F2}x) | | weights {model.WeightBytes / 1e9:F2} GB |");
        Console.WriteLine($"load average at the end {Load()}; the machine is shared (2 cores, other builds and tests running): absolute figures are inflated, the ratios are paired rep by rep.");
        return 0;
    }

    static (double[] Ours, double[] Peer, double[] OursCpu, double[] PeerCpu) Measure(string name, int reps, Func<double> ours, Func<(double Wall, double Cpu)> peer)
    {
        ours(); peer();   // warm-up (allocator, thread pools, page faults) on both sides, not counted
        Console.WriteLine($"  {name} warm-up: LatentLab RSS {Rss("VmRSS:") / 1e9:F2} GB, peak {PeakRss() / 1e9:F2} GB");
        var o = new double[reps];
        var p = new double[reps];
        var oc = new double[reps];
        var pc = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            var me = Process.GetCurrentProcess();
            TimeSpan user = me.UserProcessorTime, sys = me.PrivilegedProcessorTime;
            o[r] = ours();
            me.Refresh();
            double userSeconds = (me.UserProcessorTime - user).TotalSeconds, sysSeconds = (me.PrivilegedProcessorTime - sys).TotalSeconds;
            oc[r] = userSeconds + sysSeconds;
            (p[r], pc[r]) = peer();
            Console.WriteLine($"  {name} rep {r + 1}: LatentLab {o[r]:F2} s (CPU user {userSeconds:F2} s, sys {sysSeconds:F2} s), peer {p[r]:F2} s (CPU {pc[r]:F2} s), load average {Load()}; " +
                $"LatentLab RSS {Rss("VmRSS:") / 1e9:F2} GB, peak {PeakRss() / 1e9:F2} GB");
        }
        return (o, p, oc, pc);
    }

    internal static double Median(double[] x)
    {
        var s = x.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    static long PeakRss() => Rss("VmHWM:");

    /// <summary>A line of /proc/self/status in bytes: VmHWM: (the peak resident set) or VmRSS: (the current one).</summary>
    static long Rss(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return -1;
    }

    static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "LatentLab.Benchmarks", "llm_torch_peer.py");
            if (File.Exists(candidate)) return candidate;
            candidate = Path.Combine(dir.FullName, "llm_torch_peer.py");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("llm_torch_peer.py not found above " + AppContext.BaseDirectory);
    }

    static string? RunPython(string python, string script, string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo(python, $"{script} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode == 0) return stdout.Trim();
        Console.Error.WriteLine($"{python} {script} {arguments} failed ({p.ExitCode}): {stderr}");
        return null;
    }

    /// <summary>llm_torch_peer.py serve: one command per line in, one JSON line out.</summary>
    sealed class Peer : IDisposable
    {
        readonly Process _process;
        public string Banner { get; }

        public Peer(string python, string script, string folder, int threads, string dtype)
        {
            var info = new ProcessStartInfo(python, $"{script} serve {folder} --threads {threads} --dtype {dtype}")
            { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
            // LatentLab pins MKL, oneDNN and ATen to AVX2 kernels for reproducibility (TorchRuntime); the peer runs with its
            // libraries' own choice (with the pin, torch 1.13's oneDNN has no bfloat16 matmul: "could not create a primitive").
            foreach (var name in TorchRuntime.KernelVariablesSet) info.Environment.Remove(name);
            info.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
            info.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
            _process = Process.Start(info)!;
            Banner = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the PyTorch peer exited before loading the model (see its error above).");
        }

        public JsonElement Ask(string command)
        {
            _process.StandardInput.WriteLine(command);
            _process.StandardInput.Flush();
            var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"the PyTorch peer exited during '{command}'.");
            return JsonDocument.Parse(line).RootElement.Clone();
        }

        /// <summary>Wall and CPU seconds (user + sys of all its threads; NaN from an older peer script) of one timed command.</summary>
        public (double Wall, double Cpu) Seconds(string command)
        {
            var answer = Ask(command);
            return (answer.GetProperty("seconds").GetDouble(), answer.TryGetProperty("cpu_seconds", out var cpu) ? cpu.GetDouble() : double.NaN);
        }

        public void Dispose()
        {
            try { _process.StandardInput.WriteLine("quit"); _process.StandardInput.Close(); _process.WaitForExit(10_000); }
            catch (IOException) { }
            if (!_process.HasExited) _process.Kill();
            _process.Dispose();
        }
    }
}
