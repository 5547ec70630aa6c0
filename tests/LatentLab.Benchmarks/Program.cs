namespace LatentLab.Benchmarks;

/// <summary>Dispatches to one benchmark: <c>dotnet run -c Release --project tests/LatentLab.Benchmarks -- NAME [args]</c> (NAME from <see cref="Benchmarks"/>).</summary>
public static class Program
{
    static readonly Dictionary<string, Func<string[], int>> Benchmarks = new()
    {
        ["bandits"] = BanditBenchmark.Run,
        ["probes"] = ProbeBenchmark.Run,
        ["allocator"] = AllocatorBenchmark.Run,
        ["rl"] = RlBenchmark.Run,
        ["perturb"] = PerturbationBenchmark.Run,
        ["sweep"] = SweepBenchmark.Run,
        ["llm"] = LlmBenchmark.Run,
        ["llm-linear"] = LlmLinearBenchmark.Run,
        ["interrupt"] = InterruptBenchmark.Run,
        ["interrupt-kernel"] = KernelInterruptBenchmark.Run,
    };

    public static int Main(string[] args)
    {
        var name = args.Length > 0 ? args[0] : "";
        if (Benchmarks.TryGetValue(name, out var run)) return run(args.Skip(1).ToArray());
        Console.Error.WriteLine($"usage: dotnet run -c Release --project tests/LatentLab.Benchmarks -- {string.Join('|', Benchmarks.Keys)} [args]");
        return 2;
    }
}
