// Benchmarks and experiments, run in Release:  dotnet run -c Release --project tests/LatentLab.Benchmarks -- bandits|probes [args]
// Each area keeps its own file(s); this file only dispatches.
namespace LatentLab.Benchmarks;

public static class Program
{
    public static int Main(string[] args) => args.FirstOrDefault() switch
    {
        "bandits" => BanditBenchmark.Run(args[1..]),
        _ => Usage(),
    };

    static int Usage()
    {
        Console.Error.WriteLine("usage: dotnet run -c Release --project tests/LatentLab.Benchmarks -- bandits [bench|train-eval|...] [options]");
        return 2;
    }
}
