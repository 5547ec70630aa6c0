using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Probes;
using LatentLab.Torch;

namespace LatentLab.Benchmarks;

/// <summary>
/// Probe-sweep benchmarks (printed figures, not CI):
/// Every command takes --threads N (torch threads inside the runs; default 1, the library default).
///   probes generate DIR [--n 500 --layers 8 --positions 32 --dim 256 --seed 0]  planted-signal .npy files + folds.npy
///   probes sweep DIR [--repeat 3] [--no-control] [--batch-mb 128] [--tol T] [--max-iter M]                time the sweep on DIR, write DIR/latentlab*.csv (PRECOND=1: preconditioned solver)
///   probes large DIR [--gb 3] [--layers 4] [--write-only]                        a multi-GB float16 file streamed by NpyWriter; sweep it memory-mapped; peak RSS
///   probes real DIR [--sweep-layers k] [--tol T] [--max-iter M] [--form primal|kernel]  the real-size (500, 28, 256, 2048) float16 sweep
///   (any mode) --large-block MB: the allocator's mmap threshold inside the sweep (NativeAllocator.LargeBlockBytes; default 4)
///                                                                                (--max-iter 1: the per-layer cost that is not iterations)
///   probes products DIR [--columns 16 --n 500 --dim 256 --problems 5]           CPU ms of the solver's thin products and bookkeeping ops per block
/// Compare with scikit-learn: /usr/bin/python3 tests/LatentLab.Benchmarks/probe_sklearn.py DIR
/// </summary>
public static class ProbeBenchmark
{
    static int _threads = 1;
    static string[] args0 = [];

    public static int Run(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: probes generate|sweep|large DIR [options]"); return 2; }
        var dir = Path.GetFullPath(args[1]);
        Directory.CreateDirectory(dir);
        TorchRuntime.EnsureInitialized();
        _threads = Int(args, "--threads", 1); // torch threads inside the sweep / cot runs (their options' Threads)
        TorchSharp.torch.set_num_threads(_threads);
        Console.WriteLine($"torch threads: {TorchSharp.torch.get_num_threads()}, cores: {Environment.ProcessorCount}");
        // --large-block MB: the allocator's mmap threshold inside the sweep (NativeAllocator.LargeBlockBytes), for measurements.
        if (Int(args, "--large-block", 0) is > 0 and var mb) NativeAllocator.LargeBlockBytes = mb << 20;
        switch (args[0])
        {
            case "generate": Generate(dir, Int(args, "--n", 500), Int(args, "--layers", 8), Int(args, "--positions", 32), Int(args, "--dim", 256), Int(args, "--seed", 0), Int(args, "--classes", 2)); return 0;
            case "sweep": args0 = args; Sweep(dir, Int(args, "--repeat", 3), !args.Contains("--no-control")); return 0;
            case "cot": args0 = args; Cot(args.Contains("--tiny")); return 0;
            case "charts": Charts(dir); return 0;
            case "micro": Micro(); return 0;
            case "products": Products(Int(args, "--columns", 16), Int(args, "--n", 500), Int(args, "--dim", 256), Int(args, "--problems", 5)); return 0;
            case "real": args0 = args; Real(dir, Int(args, "--n", 500), Int(args, "--layers", 28), Int(args, "--positions", 256), Int(args, "--dim", 2048), Int(args, "--sweep-layers", 0), Int(args, "--sample-cells", 16), args.Contains("--write-only")); return 0;
            case "large": Large(dir, Double(args, "--gb", 3), Int(args, "--layers", 4), args.Contains("--write-only")); return 0;
            default: Console.Error.WriteLine($"unknown probes benchmark '{args[0]}'"); return 2;
        }
    }

    /// <summary>
    /// Planted signal: label y in {0,1}; x = noise (N(0,1) plus a shared low-rank part) + s(l,p) * (2y-1) * v_l with v_l a
    /// random unit direction per layer, s rising along the chain (0 before position P/4, full from 3P/4) and peaking at
    /// the middle layers. So the right cells light up and the early positions sit at chance.
    /// </summary>
    static void Generate(string dir, int n, int layers, int positions, int dim, int seed, int classes)
    {
        var rng = new Random(seed);
        var y = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        rng.Shuffle(y);
        // Binary: +-v_l. More classes: class c adds v_{l,c} (its own random unit direction).
        int codes = classes == 2 ? 1 : classes;
        var dirs = new float[layers * codes, dim];
        for (int l = 0; l < layers * codes; l++)
        {
            double norm = 0;
            for (int j = 0; j < dim; j++) { dirs[l, j] = (float)Gauss(rng); norm += dirs[l, j] * dirs[l, j]; }
            for (int j = 0; j < dim; j++) dirs[l, j] /= (float)Math.Sqrt(norm);
        }
        const int rank = 8;
        var basis = new float[rank, dim];
        for (int k = 0; k < rank; k++) for (int j = 0; j < dim; j++) basis[k, j] = (float)Gauss(rng);
        var data = new float[(long)n * layers * positions * dim];
        var f = new float[rank];
        long o = 0;
        for (int i = 0; i < n; i++)
            for (int l = 0; l < layers; l++)
            {
                double layerGain = Math.Exp(-Math.Pow((l - (layers - 1) * 0.6) / (layers * 0.35), 2));
                for (int p = 0; p < positions; p++)
                {
                    double ramp = Math.Clamp((p - positions * 0.25) / (positions * 0.5), 0, 1);
                    double s = 3.0 * layerGain * ramp * (classes == 2 ? 2 * y[i] - 1 : 1);
                    int code = classes == 2 ? l : l * codes + y[i];
                    for (int k = 0; k < rank; k++) f[k] = (float)Gauss(rng);
                    for (int j = 0; j < dim; j++)
                    {
                        double shared = 0;
                        for (int k = 0; k < rank; k++) shared += f[k] * basis[k, j];
                        data[o++] = (float)(Gauss(rng) + 0.3 * shared + s * dirs[code, j] + 0.1 * l);
                    }
                }
            }
        NpyFile.Write(Path.Combine(dir, "acts.npy"), data, n, layers, positions, dim);
        NpyFile.Write(Path.Combine(dir, "labels.npy"), ArrayDType.Int64, MemoryMarshal.AsBytes(y.Select(v => (long)v).ToArray().AsSpan()), n);
        var folds = CrossValidationFolds.Assign(y, null, 5, seed); // stratified; python reads the same folds
        NpyFile.Write(Path.Combine(dir, "folds.npy"), ArrayDType.Int64, MemoryMarshal.AsBytes(folds.Select(v => (long)v).ToArray().AsSpan()), n);
        Console.WriteLine($"wrote {dir}/acts.npy (N={n}, L={layers}, P={positions}, D={dim}, {classes} classes, float32, {new FileInfo(Path.Combine(dir, "acts.npy")).Length / 1e6:F1} MB), labels.npy, folds.npy (5 stratified folds, seed {seed})");
    }

    static void Sweep(string dir, int repeat, bool control)
    {
        using var set = ActivationSet.Load(Path.Combine(dir, "acts.npy"), Path.Combine(dir, "labels.npy"));
        var folds = LabelFile.ReadColumn(Path.Combine(dir, "folds.npy"), "fold").Select(int.Parse).ToArray();
        var options = new ProbeSweepOptions { FoldAssignment = folds, Folds = folds.Max() + 1, Control = control, Threads = _threads,
            MaxBatchBytes = (long)(Double(args0, "--batch-mb", 128) * (1 << 20)),
            Tolerance = Double(args0, "--tol", new ProbeSweepOptions().Tolerance), MaxIterations = Int(args0, "--max-iter", new ProbeSweepOptions().MaxIterations),
            Preconditioner = Environment.GetEnvironmentVariable("PRECOND") == "1",
            BlockBytes = (long)(Double(args0, "--block-mb", 8) * (1 << 20)),
            SolverForm = Enum.Parse<ProbeSolverForm>(Str(args0, "--form", "Auto"), ignoreCase: true) };
        Console.WriteLine($"{set}");
        var times = new List<double>();
        ProbeSweepResult? result = null;
        for (int r = 0; r < repeat; r++)
        {
            var sw = Stopwatch.StartNew();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            result = KernelLikeThread.Run(args0, () => ProbeSweep.Run(set, options, TorchSharp.torch.CPU));
            times.Add(sw.Elapsed.TotalSeconds);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            Console.WriteLine($"  run {r + 1}: {sw.Elapsed.TotalSeconds:F3} s wall, {cpu.TotalSeconds:F3} s CPU, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} (max L-BFGS iterations {result.MaxIterationsUsed}, converged {result.ConvergedFraction:P1})");
        }
        times.Sort();
        Console.WriteLine($"sweep {set.Layers}x{set.Positions} cells x {options.Folds} folds{(control ? " + control task" : "")}: median {times[times.Count / 2]:F3} s, best {times[0]:F3} s over {repeat} runs");
        Console.WriteLine(result);
        var csv = Path.Combine(dir, control ? "latentlab.csv" : "latentlab_nocontrol.csv");
        File.WriteAllLines(csv, new[] { "layer,position,accuracy,control_accuracy" }.Concat(result!.Cells.Select(c =>
            string.Create(CultureInfo.InvariantCulture, $"{c.Layer},{c.Position},{c.Accuracy:R},{c.ControlAccuracy:R}"))));
        Console.WriteLine($"wrote {csv}");
    }

    /// <summary>Writes a float16 (N, L, P, D) .npy of about <paramref name="gb"/> GB without holding it in memory, then sweeps it.</summary>
    static void Large(string dir, double gb, int sweepLayers, bool writeOnly)
    {
        int n = 4000, p = 16, d = 1024;
        int layers = Math.Max(1, (int)Math.Round(gb * 1e9 / ((double)n * p * d * 2)));
        var path = Path.Combine(dir, "large.npy");
        long expected = (long)n * layers * p * d * 2;
        if (!File.Exists(path) || new FileInfo(path).Length < expected)
        {
            var sw = Stopwatch.StartNew();
            using var writer = NpyWriter.Create(path, ArrayDType.Float16, [layers, p, d], rows: n); // streamed: one (P, D) block at a time
            var row = new Half[p * d];
            ulong state = 0x9E3779B97F4A7C15;
            for (int i = 0; i < n; i++)
            {
                double sign = i % 2 == 0 ? 1 : -1;
                for (int l = 0; l < layers; l++)
                {
                    for (int t = 0; t < p; t++)
                        for (int j = 0; j < d; j++)
                        {
                            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                            double u = (state >> 11) * (1.0 / (1UL << 53)) * 3.4641016 - 1.7320508; // uniform, variance 1
                            double signal = j < 4 ? sign * 0.15 * t * (l + 1) / layers : 0;
                            row[t * d + j] = (Half)(u + signal);
                        }
                    writer.Append<Half>(row);
                }
            }
            writer.Complete();
            Console.WriteLine($"wrote {path}: {new FileInfo(path).Length / 1e9:F2} GB (N={n}, L={layers}, P={p}, D={d}, float16) in {sw.Elapsed.TotalSeconds:F1} s " +
                              $"with NpyWriter; VmHWM {Vm("VmHWM")}");
        }
        if (writeOnly) return;
        NpyFile.Write(Path.Combine(dir, "large_labels.npy"), ArrayDType.Int64, MemoryMarshal.AsBytes(Enumerable.Range(0, n).Select(i => (long)(i % 2 == 0 ? 1 : 0)).ToArray().AsSpan()), n);
        Console.WriteLine($"VmHWM before loading: {Vm("VmHWM")}, VmRSS {Vm("VmRSS")}");
        using var set = ActivationSet.Load(path, Path.Combine(dir, "large_labels.npy"));
        double slice = (double)n * p * d * 4 / 1e6;
        Console.WriteLine($"{set}; one layer slice as float32 = {slice:F0} MB; file = {new FileInfo(path).Length / 1e6:F0} MB");
        var layerList = Enumerable.Range(0, set.Layers).Where(l => l % Math.Max(1, set.Layers / sweepLayers) == 0).Take(sweepLayers).Append(set.Layers - 1).Distinct().ToList();
        var sw2 = Stopwatch.StartNew();
        var result = ProbeSweep.Run(set, new ProbeSweepOptions { Layers = layerList, Control = false, MaxIterations = 100, Threads = _threads }, TorchSharp.torch.CPU,
            new Progress<SweepProgress>(pr => Console.WriteLine($"  {pr.Message}  [{pr.Elapsed.TotalSeconds:F1} s, VmRSS {Vm("VmRSS")}]")));
        Console.WriteLine($"swept layers [{string.Join(", ", layerList)}] in {sw2.Elapsed.TotalSeconds:F1} s: {result}");
        Console.WriteLine($"peak RSS (VmHWM) {Vm("VmHWM")} for a {new FileInfo(path).Length / 1e9:F2} GB file; one layer slice {slice:F0} MB float32");
    }

    /// <summary>
    /// A real-model-sized sweep: writes (once) a float16 (N, L, P, D) .npy streamed by NpyWriter (default N=500, L=28,
    /// P=256, D=2048: Qwen-1.7B's 28 layers x width 2048 over 256 chain positions, 14.7 GB) with a planted signal that
    /// rises along the chain; sweeps it memory-mapped (all layers, or --sweep-layers k spread over the depth), 5 folds,
    /// with control; prints time and peak RSS; writes DIR/sample/ (a few cells as float32 + the same folds and our
    /// accuracies) for probe_sklearn.py, whose time over those cells projects scikit-learn's time for the whole sweep.
    /// </summary>
    static void Real(string dir, int n, int layers, int positions, int dim, int sweepLayers, int sampleCells, bool writeOnly)
    {
        var path = Path.Combine(dir, "real.npy");
        long expected = (long)n * layers * positions * dim * 2;
        if (!File.Exists(path) || new FileInfo(path).Length < expected)
        {
            var sw = Stopwatch.StartNew();
            using var writer = NpyWriter.Create(path, ArrayDType.Float16, [layers, positions, dim], rows: n); // one (P, D) block at a time
            var row = new Half[positions * dim];
            ulong state = 0x9E3779B97F4A7C15;
            for (int i = 0; i < n; i++)
            {
                double sign = i % 2 == 0 ? 1 : -1;
                for (int l = 0; l < layers; l++)
                {
                    double layerGain = Math.Exp(-Math.Pow((l - (layers - 1) * 0.6) / (layers * 0.35), 2));
                    for (int t = 0; t < positions; t++)
                    {
                        double ramp = Math.Clamp((t - positions * 0.25) / (positions * 0.5), 0, 1);
                        double s = 0.25 * layerGain * ramp * sign;               // on 16 features: a planted direction of norm ~1
                        for (int j = 0; j < dim; j++)
                        {
                            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                            double u = (state >> 11) * (1.0 / (1UL << 53)) * 3.4641016 - 1.7320508; // uniform, variance 1
                            row[t * dim + j] = (Half)(u + (j < 16 ? s : 0) + 0.05 * l);
                        }
                    }
                    writer.Append<Half>(row);
                }
            }
            writer.Complete();
            Console.WriteLine($"wrote {path}: {new FileInfo(path).Length / 1e9:F2} GB (N={n}, L={layers}, P={positions}, D={dim}, float16) in {sw.Elapsed.TotalSeconds:F1} s");
        }
        if (writeOnly) return;
        var labelsPath = Path.Combine(dir, "real_labels.npy");
        NpyFile.Write(labelsPath, ArrayDType.Int64, MemoryMarshal.AsBytes(Enumerable.Range(0, n).Select(i => (long)(i % 2 == 0 ? 1 : 0)).ToArray().AsSpan()), n);
        Console.WriteLine($"VmHWM before loading: {Vm("VmHWM")}, VmRSS {Vm("VmRSS")}");
        using var set = ActivationSet.Load(path, labelsPath);
        double slice = (double)n * positions * (dim + 1) * 4 / 1e6;
        var layerList = sweepLayers <= 0 || sweepLayers >= set.Layers ? Enumerable.Range(0, set.Layers).ToList()
            : Enumerable.Range(0, sweepLayers).Select(k => (int)Math.Round(k * (set.Layers - 1.0) / Math.Max(1, sweepLayers - 1))).Distinct().ToList();
        Console.WriteLine($"{set}; one layer's slice as float32 = {slice:F0} MB; file = {new FileInfo(path).Length / 1e6:F0} MB; sweeping layers [{string.Join(", ", layerList)}], 5 folds + control, {_threads} thread(s), tolerance {Double(args0, "--tol", new ProbeSweepOptions().Tolerance)}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        var sw2 = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var options = new ProbeSweepOptions { Layers = layerList, Control = true, Threads = _threads,
            Tolerance = Double(args0, "--tol", new ProbeSweepOptions().Tolerance), MaxIterations = Int(args0, "--max-iter", new ProbeSweepOptions().MaxIterations),
            SolverForm = Enum.Parse<ProbeSolverForm>(Str(args0, "--form", "Auto"), ignoreCase: true) };
        var result = KernelLikeThread.Run(args0, () => ProbeSweep.Run(set, options, TorchSharp.torch.CPU,
            new Progress<SweepProgress>(pr => Console.WriteLine($"  {pr.Message}  [{pr.Elapsed.TotalSeconds:F1} s, VmRSS {Vm("VmRSS")}, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}]"))));
        double secs = sw2.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        double perLayer = secs / layerList.Count;
        Console.WriteLine($"swept {layerList.Count} of {set.Layers} layers x {positions} positions in {secs:F1} s wall ({cpu:F1} s CPU), {perLayer:F1} s per layer; " +
                          $"all {set.Layers} layers: {(layerList.Count == set.Layers ? $"{secs:F1} s measured" : $"{perLayer * set.Layers:F0} s projected")}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"peak RSS (VmHWM) {Vm("VmHWM")}; one layer's slice {slice:F0} MB as float32; {result}");
        // Sample cells for scikit-learn: spread over the swept layers and positions; the same folds; our accuracies beside them.
        var sampleDir = Path.Combine(dir, "sample");
        Directory.CreateDirectory(sampleDir);
        var picks = Enumerable.Range(0, sampleCells).Select(k => (Layer: layerList[k % layerList.Count], Position: (int)((k * 2654435761L) % positions))).Distinct().ToList();
        var data = new float[(long)n * picks.Count * dim];
        foreach (var group in picks.Select((c, k) => (c, k)).GroupBy(x => x.c.Layer))
        {
            using var layer = set.ReadLayer(group.Key);                            // (N, P, D)
            var values = layer.data<float>();
            foreach (var (c, k) in group)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < dim; j++)
                        data[((long)i * picks.Count + k) * dim + j] = values[((long)i * positions + c.Position) * dim + j];
        }
        NpyFile.Write(Path.Combine(sampleDir, "acts.npy"), data, n, 1, picks.Count, dim);
        NpyFile.Write(Path.Combine(sampleDir, "labels.npy"), ArrayDType.Int64, MemoryMarshal.AsBytes(set.Labels.Select(v => (long)v).ToArray().AsSpan()), n);
        NpyFile.Write(Path.Combine(sampleDir, "folds.npy"), ArrayDType.Int64, MemoryMarshal.AsBytes(result.FoldAssignment.Select(v => (long)v).ToArray().AsSpan()), n);
        File.WriteAllLines(Path.Combine(sampleDir, "latentlab.csv"), new[] { "layer,position,accuracy,control_accuracy" }.Concat(picks.Select((c, k) =>
        {
            var cell = result.Cell(c.Layer, c.Position)!;
            return string.Create(CultureInfo.InvariantCulture, $"0,{k},{cell.Accuracy:R},{cell.ControlAccuracy:R}");
        })));
        File.WriteAllText(Path.Combine(sampleDir, "cells.txt"), $"{(long)set.Layers * positions}\n");
        Console.WriteLine($"wrote {sampleDir}: {picks.Count} cells (layer, position) = {string.Join(" ", picks.Select(c => $"({c.Layer},{c.Position})"))} for probe_sklearn.py (projects to {(long)set.Layers * positions} cells)");
    }

    /// <summary>Trains #!cot-synthetic's model (defaults, or --tiny), sweeps it, prints belief along the chain at the best layer vs the logits.</summary>
    static void Cot(bool tiny)
    {
        var sw = Stopwatch.StartNew();
        var o = (tiny ? LatentLab.Models.CotSyntheticOptions.Tiny : new LatentLab.Models.CotSyntheticOptions()) with { Threads = _threads };
        var progress = new Progress<LatentLab.Models.CotSyntheticProgress>(pr => { if (pr.Step % 250 == 0 || pr.Phase == "record") Console.WriteLine("  " + pr.Message); });
        var r = KernelLikeThread.Run(args0, () => LatentLab.Models.CotSynthetic.RunDetailed(o, TorchSharp.torch.CPU, progress));
        Console.WriteLine($"cot-synthetic: trained in {r.TrainingTime.TotalSeconds:F1} s, total {sw.Elapsed.TotalSeconds:F1} s; model answer accuracy {r.AnswerAccuracy:P1}; final loss {r.FinalLoss:F3}; {r.Activations}");
        sw.Restart();
        var sweep = ProbeSweep.Run(r.Activations, new ProbeSweepOptions { Threads = _threads }, TorchSharp.torch.CPU);
        Console.WriteLine($"sweep: {sw.Elapsed.TotalSeconds:F1} s; {sweep}");
        int best = sweep.BestLayer;
        var decided = r.DecidedFraction();
        Console.WriteLine($"best layer {best}; position: probe accuracy [95% CI] | control | answer-letter logits | share decided");
        foreach (var c in sweep.Cells.Where(c => c.Layer == best))
            Console.WriteLine($"  {c.Position,3}: {c.Accuracy:F3} [{c.AccuracyCiLow:F3}, {c.AccuracyCiHigh:F3}] | {c.ControlAccuracy:F3} | {c.BaselineAccuracy:F3} | {decided[c.Position]:F2}");
        foreach (var l in sweep.CompletedLayers)
            Console.WriteLine($"  layer {l}: mean accuracy {sweep.Cells.Where(c => c.Layer == l).Average(c => c.Accuracy):F3}");
    }

    /// <summary>Tiny cot-synthetic + sweep, written as offline HTML pages (heatmap, chain chart, summary card) for a look in a browser.</summary>
    static void Charts(string dir)
    {
        var r = LatentLab.Models.CotSynthetic.RunDetailed(LatentLab.Models.CotSyntheticOptions.Tiny with { Threads = 1 }, TorchSharp.torch.CPU);
        var sweep = ProbeSweep.Run(r.Activations, new ProbeSweepOptions { Threads = 1 }, TorchSharp.torch.CPU);
        File.WriteAllText(Path.Combine(dir, "heatmap.html"), LatentLab.Reports.ChartHtml.ToPage(LatentLab.Reports.ProbeCharts.AccuracyHeatmap(sweep)));
        File.WriteAllText(Path.Combine(dir, "chain.html"), LatentLab.Reports.ChartHtml.ToPage(LatentLab.Reports.ProbeCharts.AccuracyAlongChain(sweep)));
        File.WriteAllText(Path.Combine(dir, "card.html"), "<html><body>" + LatentLab.Reports.ProbeReport.SummaryHtml(sweep) + "</body></html>");
        Console.WriteLine($"wrote {dir}/heatmap.html, chain.html, card.html; {sweep}");
    }

    static void Micro()
    {
        using var x = TorchSharp.torch.randn(32, 500, 257);
        using var w = TorchSharp.torch.randn(32, 257, 10);
        using var xt = x.transpose(1, 2);
        using var xtc = xt.contiguous();
        using var g = TorchSharp.torch.randn(32, 500, 10);
        void T(string name, Func<TorchSharp.torch.Tensor> f)
        {
            for (int i = 0; i < 3; i++) f().Dispose();
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 50; i++) f().Dispose();
            Console.WriteLine($"{name}: {sw.Elapsed.TotalMilliseconds / 50:F3} ms");
        }
        T("x.bmm(w)", () => x.bmm(w));
        T("xt.bmm(g) (transposed view)", () => xt.bmm(g));
        T("xtc.bmm(g) (contiguous)", () => xtc.bmm(g));
        T("matmul via einsum", () => TorchSharp.torch.einsum("pnd,pnq->pdq", x, g));
        T("x.bmm(x^T) gram", () => xt.bmm(x));
        using var th = TorchSharp.torch.randn(256, 10, 257);
        using var xl = TorchSharp.torch.randn(256, 500, 257);
        using var xlt = xl.transpose(1, 2);
        using var r = TorchSharp.torch.randn(256, 10, 500);
        T("f32 theta' X' (256 cols, Q=10)", () => th.bmm(xlt));
        T("f32 r X", () => r.bmm(xl));
        using var xb = xl.to(TorchSharp.torch.bfloat16);
        using var xbt = xb.transpose(1, 2);
        using var thb = th.to(TorchSharp.torch.bfloat16);
        using var rb = r.to(TorchSharp.torch.bfloat16);
        T("bf16 theta' X'", () => thb.bmm(xbt));
        T("bf16 r X", () => rb.bmm(xb));
        T("sigmoid 160k", () => g.sigmoid());
    }

    /// <summary>
    /// The solver's two thin products for one block (columns x problems, N x (D+1)) in several layouts, in CPU ms per call
    /// (one thread): which orientation MKL runs fastest, and what its packing of the design matrix costs.
    /// </summary>
    static void Products(int columns, int n, int dim, int problems)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = TorchSharp.torch.randn(columns, n, dim + 1);                      // (B, N, D+1)
        var xt = x.transpose(1, 2);                                               // (B, D+1, N) view
        var xtc = xt.contiguous();                                                // (B, D+1, N) copy
        var th = TorchSharp.torch.randn(columns, problems, dim + 1);              // (B, QK, D+1)
        var thT = th.transpose(1, 2).contiguous();                                // (B, D+1, QK)
        var r = TorchSharp.torch.randn(columns, problems, n);                     // (B, QK, N)
        var rT = r.transpose(1, 2).contiguous();                                  // (B, N, QK)
        void T(string name, Func<TorchSharp.torch.Tensor> f)
        {
            for (int i = 0; i < 5; i++) f().Dispose();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            int reps = 200;
            for (int i = 0; i < reps; i++) f().Dispose();
            double ms = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / reps;
            double gflops = 2.0 * columns * problems * n * (dim + 1) / (ms * 1e6);
            Console.WriteLine($"{name,-44} {ms,8:F3} ms CPU  {gflops,6:F1} GFLOP/s");
        }
        Console.WriteLine($"block: {columns} columns x {problems} problems, N={n}, D+1={dim + 1}; {TorchRuntime.KernelSettings}");
        T("z: th.bmm(x^T view)   (QK,D1)x(D1,N)", () => th.bmm(xt));
        T("z: th.bmm(x^T contiguous)", () => th.bmm(xtc));
        T("z: x.bmm(th^T) -> (N,QK)", () => x.bmm(thT));
        T("z: x.matmul(th^T view)", () => x.bmm(th.transpose(1, 2)));
        T("g: r.bmm(x)           (QK,N)x(N,D1)", () => r.bmm(x));
        T("g: r.bmm(x^T contiguous, transposed view)", () => r.bmm(xtc.transpose(1, 2)));
        T("g: x^T.bmm(r^T) -> (D1,QK)", () => xt.bmm(rT));
        T("g: x^T contiguous .bmm(r^T)", () => xtc.bmm(rT));
        T("g: (r^T)^T view .bmm(x)  r kept (N,QK)", () => rT.transpose(1, 2).bmm(x));
        T("g: x^T view .bmm(r view)  -> (D1,QK)", () => xt.bmm(r.transpose(1, 2)));
        // The L-BFGS bookkeeping over the (B, D+1, Q, K) parameter tensors (temporaries freed at once, as the solver's
        // per-iteration scope does not: there they live to the iteration's end). GFLOP/s is meaningless for these lines.
        var a = TorchSharp.torch.randn(columns, dim + 1, problems, 1);
        var b2 = TorchSharp.torch.randn(columns, dim + 1, problems, 1);
        var alpha = TorchSharp.torch.randn(columns, 1, problems, 1);
        var ap = TorchSharp.torch.randn(columns, problems, 1, dim + 1);          // problem-major layout (B, Q, K, D+1)
        var bp = TorchSharp.torch.randn(columns, problems, 1, dim + 1);
        var hist = TorchSharp.torch.randn(columns * problems, 20, dim + 1);      // 20 stored vectors per problem
        var v = TorchSharp.torch.randn(columns * problems, dim + 1, 1);
        T("dot (B,D+1,Q,K): (a*b).sum([1,3])", () => { using var p = a * b2; return p.sum([1L, 3L]); });
        T("dot (B,Q,K,D+1): (a*b).sum([2,3])", () => { using var p = ap * bp; return p.sum([2L, 3L]); });
        T("dot (B,Q,K,D+1): bmm (1,D+1)x(D+1,1)", () => ap.view(-1, 1, dim + 1).bmm(bp.view(-1, dim + 1, 1)));
        T("axpy: q.sub_(alpha*y)", () => { using var t = alpha * b2; a.sub_(t); return TorchSharp.torch.empty(0); });
        T("axpy: q.addcmul_(alpha, y, -1)", () => { a.addcmul_(alpha, b2, -1); return TorchSharp.torch.empty(0); });
        T("max |g| per problem: abs().amax([1,3])", () => { using var t = b2.abs(); return t.amax([1L, 3L]); });
        T("max |g|: abs().amax(1).amax(-1)", () => { using var t = b2.abs(); using var m1 = t.amax(1); return m1.amax(-1); });
        T("max |g|: max(amax, -amin) over [1,3]", () => { using var hi = b2.amax([1L, 3L]); using var lo = b2.amin([1L, 3L]); using var nlo = lo.neg(); return TorchSharp.torch.maximum(hi, nlo); });
        T("max |g|: abs() as (B,D+1,QK) .amax(1)", () => { using var t = b2.abs(); return t.view(columns, dim + 1, -1).amax(1); });
        T("20 dots per problem: hist.bmm(v)", () => hist.bmm(v));
        T("20 dots per problem: (hist*v').sum(-1)", () => { using var p = hist * v.transpose(1, 2); return p.sum(-1); });
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    static string Vm(string key) =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key + ":"))?.Split(':')[1].Trim() ?? "?";

    static double Gauss(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    static int Int(string[] a, string name, int def) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? int.Parse(a[i + 1], CultureInfo.InvariantCulture) : def; }
    static string Str(string[] a, string name, string def) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? a[i + 1] : def; }
    static double Double(string[] a, string name, double def) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? double.Parse(a[i + 1], CultureInfo.InvariantCulture) : def; }
}
