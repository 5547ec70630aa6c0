using System.Diagnostics;
using System.Globalization;
using LatentLab.Interactive;
using LatentLab.Interactive.Commands;
using LatentLab.Interactive.Hosting;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Benchmarks;

/// <summary>
/// `interrupt-kernel [--repeats 3] [--only NAME] [--trace]`: the interrupt of a notebook cell as the kernel sees it. An in-process
/// notebook (a composite kernel with C# and LatentLab loaded, as dotnet-interactive has after <c>#r</c>) runs each long command
/// at its default options; 2 s after its live progress first shows a finished step, a Cancel is sent from a pool thread (what
/// LatentLab's SIGINT bridge does for Jupyter's interrupt button, and what VS Code's stop button sends). Printed per command:
/// Cancel -> the cell's end (its CommandFailed "cancelled", which is when the host tells the notebook the cell is done) and
/// Cancel -> the partial result bound (the variable a next cell reads). With --trace, the interrupt's steps
/// (<see cref="InterruptTrace"/>) are printed for every interrupt. What it does not include: the SIGINT's delivery and the
/// host's own messages to Jupyter (the Jupyter host test, tests/LatentLab.Hosts.Tests/jupyter_interrupt.py, measures those).
/// </summary>
public static class KernelInterruptBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        int repeats = Get(args, "--repeats") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
        string? only = Get(args, "--only");
        bool trace = args.Contains("--trace");
        var traced = new StringWriter();
        InterruptTrace.Output = TextWriter.Synchronized(traced);
        InterruptTrace.Enabled = true;
        Console.WriteLine($"interrupt in an in-process kernel, default options; load average: {File.ReadAllText("/proc/loadavg").Trim()}");

        using var kernel = CreateKernelAsync().GetAwaiter().GetResult();
        Submit(kernel, "1+1");                                                               // the C# kernel's first compilation (~3 s)
        // Inputs some commands read, made before their first interrupt (small, not timed). The probe sweep's set is a default
        // #!cot-synthetic set (5 layers, 26 positions, width 64) with 2000 questions instead of 500, random (the sweep's work is the
        // same): at 500 the sweep ends within the 1.5 s before the first interrupt.
        var setups = new Dictionary<string, string>
        {
            ["small"] = "#!bandit-train --steps 5 --batch 16 --device cpu --out small",
            ["reference"] = "#!rl-bake --max-steps 50 --device cpu --out reference",
            ["acts"] = "TorchSharp.torch.manual_seed(1); var acts = LatentLab.Activations.ActivationSet.FromTensor(" +
                       "TorchSharp.torch.randn(2000, 5, 26, 64), Enumerable.Range(0, 2000).Select(i => i % 4).ToArray());",
        };
        var commands = new (string Name, string Code, string Out, string? Needs)[]
        {
            ("bandit-train", "#!bandit-train --device cpu --out m", "m", null),
            ("cot-synthetic", "#!cot-synthetic --device cpu --out acts2", "acts2", null),
            ("probe-sweep", "#!probe-sweep --activations acts --device cpu --out sweep", "sweep", "acts"),
            ("rl-train ppo", "#!rl-train --reference reference --algorithm ppo --device cpu --out run", "run", "reference"),
            ("rl-train grpo", "#!rl-train --reference reference --algorithm grpo --device cpu --out grun", "grun", "reference"),
            ("perturb student", "#!perturb --model small --out curves", "curves", "small"),
            ("perturb policy", "#!perturb --model reference --out pcurves", "pcurves", "reference"),
        };
        foreach (var (name, code, outName, needs) in commands)
        {
            if (only is not null && !name.StartsWith(only, StringComparison.Ordinal)) continue;
            if (needs is not null && setups.Remove(needs, out var setup)) Submit(kernel, setup);
            var toEnd = new List<double>();
            var toBound = new List<double>();
            for (int i = 0; i < repeats; i++)
            {
                Submit(kernel, $"{outName} = null;", mayFail: true);                               // a fresh variable each time
                var (end, bound, note) = InterruptOnce(kernel, code, outName, delay: 1.5 + 0.6 * i);
                if (note is not null) { Console.WriteLine($"  {name}: {note}"); continue; }
                toEnd.Add(end);
                toBound.Add(bound);
                if (trace)
                {
                    Console.WriteLine($"  {name}, interrupt {i + 1}: Cancel -> cell end {end:F3} s, -> bound {bound:F3} s");
                    foreach (var line in traced.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)) Console.WriteLine($"    {line}");
                }
                traced.GetStringBuilder().Clear();
            }
            if (toEnd.Count == 0) continue;
            Console.WriteLine($"{name,-16} Cancel -> cell end: median {Median(toEnd):F3} s, max {toEnd.Max():F3} s; -> partial result bound: median {Median(toBound):F3} s, " +
                              $"max {toBound.Max():F3} s ({toEnd.Count} interrupts: {string.Join(", ", toEnd.Zip(toBound, (a, b) => $"{a:F3}/{b:F3}"))})");
        }
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>Runs <paramref name="code"/>, sends a Cancel <paramref name="delay"/> s after the first progress update, returns the seconds from the Cancel to the cell's end and to <paramref name="outName"/> being bound.</summary>
    static (double End, double Bound, string? Note) InterruptOnce(CompositeKernel kernel, string code, string outName, double delay)
    {
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = kernel.KernelEvents.Subscribe(new Observer(e =>
        {
            if (e is DisplayedValueUpdated) progressed.TrySetResult();
        }));
        var cell = Task.Run(() => kernel.SendAsync(new SubmitCode(code)));
        var first = Task.WhenAny(progressed.Task, cell).GetAwaiter().GetResult();
        if (first == cell) return (0, 0, $"ended before any progress: {Describe(cell.Result)}");
        Thread.Sleep(TimeSpan.FromSeconds(delay));
        if (cell.IsCompleted) return (0, 0, "finished before the interrupt");

        var clock = Stopwatch.StartNew();
        InterruptTrace.Begin("benchmark sends Cancel");
        _ = Task.Run(() => kernel.SendAsync(new Cancel()));
        var result = cell.GetAwaiter().GetResult();
        double end = clock.Elapsed.TotalSeconds;
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        var deadline = Stopwatch.StartNew();
        while (!(csharp.TryGetValue<object>(outName, out var value) && value is not null))
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2)) return (end, double.NaN, $"{outName} was not bound within 2 minutes ({Describe(result)})");
            Thread.Sleep(2);
        }
        double bound = clock.Elapsed.TotalSeconds;
        if (!PendingResults.WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult())
            return (end, bound, "the command was still running 2 minutes after the interrupt");
        return (end, bound, null);
    }

    static async Task<CompositeKernel> CreateKernelAsync()
    {
        var csharp = new CSharpKernel().UseKernelHelpers().UseValueSharing();
        var kernel = new CompositeKernel { csharp };
        kernel.DefaultKernelName = csharp.Name;
        await new LatentLabKernelExtension().OnLoadAsync(kernel);
        return kernel;
    }

    static void Submit(Kernel kernel, string code, bool mayFail = false)
    {
        var result = kernel.SendAsync(new SubmitCode(code)).GetAwaiter().GetResult();
        if (!mayFail && result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed)
            throw new InvalidOperationException($"{code}: {failed.Message}");
    }

    static string Describe(KernelCommandResult result) =>
        result.Events.OfType<CommandFailed>().FirstOrDefault()?.Message ?? "succeeded";

    static double Median(List<double> values)
    {
        var sorted = values.OrderBy(x => x).ToList();
        return sorted[sorted.Count / 2];
    }

    static string? Get(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    sealed class Observer(Action<KernelEvent> onNext) : IObserver<KernelEvent>
    {
        public void OnNext(KernelEvent value) => onNext(value);
        public void OnError(Exception error) { }
        public void OnCompleted() { }
    }
}
