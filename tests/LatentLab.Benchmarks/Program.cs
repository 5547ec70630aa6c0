namespace LatentLab.Benchmarks;

/// <summary>Dispatches to one benchmark: <c>dotnet run -c Release --project tests/LatentLab.Benchmarks -- bandits|probes|rl|perturb|allocator [args]</c>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var name = args.Length > 0 ? args[0] : "";
        var rest = args.Skip(1).ToArray();
        switch (name)
        {
            case "bandits":
                return BanditBenchmark.Run(rest);
            case "probes":
                return ProbeBenchmark.Run(rest);
            case "allocator":
                return AllocatorBenchmark.Run(rest);
            case "rl":
                return RlBenchmark.Run(rest);
            case "perturb":
                return PerturbationBenchmark.Run(rest);
            default:
                Console.Error.WriteLine("usage: dotnet run -c Release --project tests/LatentLab.Benchmarks -- bandits|probes|rl|perturb|allocator [args]");
                return 2;
        }
    }
}
