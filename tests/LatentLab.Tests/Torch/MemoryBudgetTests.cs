using System.Diagnostics;
using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Probes;
using LatentLab.Torch;

namespace LatentLab.Tests.Torch;

public class MemoryBudgetTests
{
    const double GB = 1e9;

    [Fact]
    public void Ensure_OverTheAvailableMemory_NamesTheEstimateTheAvailableMemoryItsSourceAndAValueThatFits()
    {
        var estimate = MemoryEstimates.CotSynthetic(new CotSyntheticOptions { Steps = 1, Questions = 1_000_000 });

        var e = Assert.Throws<MemoryBudgetException>(() => MemoryBudget.Ensure(estimate, 8_000_000_000, "MemAvailable in /proc/meminfo"));

        Assert.Contains("need about 54.0 GB of memory", e.Message);
        Assert.Contains("8.0 GB available (MemAvailable in /proc/meminfo)", e.Message);
        Assert.Contains("Lower --questions (about ", e.Message);
        // The suggested value really fits: its estimate is within the available memory.
        var suggested = int.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @"about (\d+) or less").Groups[1].Value);
        Assert.InRange(MemoryEstimates.CotSynthetic(new CotSyntheticOptions { Steps = 1, Questions = suggested }).Bytes, 0, 8_000_000_000);
        Assert.Equal(8_000_000_000, e.AvailableBytes);
        MemoryBudget.Ensure(estimate, 60_000_000_000);                                // fits on a bigger machine
    }

    [Fact]
    public void CotSyntheticRecording_IsTwiceTheActivationSet()
    {
        var o = new CotSyntheticOptions { Questions = 1000, Layers = 3, Width = 64, ChainLength = 24 };
        double set = 1000.0 * 4 * 26 * 64 * 4;                                      // (N, L+1, P, C) float32, P = chain + BOS + ANS
        Assert.Equal(2 * set, MemoryEstimates.CotSynthetic(o).LargestBytes);
    }

    [Fact]
    public void Defaults_NeedLittleMemory()
    {
        Assert.InRange(MemoryEstimates.CotSynthetic(new CotSyntheticOptions()).Bytes, 1e6, 0.5 * GB);
        Assert.InRange(MemoryEstimates.BanditTraining(new BanditTrainingOptions()).Bytes, 1e6, 0.5 * GB);
        Assert.InRange(MemoryEstimates.BanditEvaluation(new BanditEvaluationOptions(), 5, 8 * 64).Bytes, 1e5, 0.5 * GB);
        Assert.InRange(MemoryEstimates.ProbeSweep(new ProbeSweepOptions(), 500, 64, 26, 2, layers: 4).Bytes, 1e5, 0.5 * GB);
    }

    [Fact]
    public void TheLargestInRangeOptions_NeedTerabytes_AndTheArithmeticDoesNotOverflow()
    {
        var train = MemoryEstimates.BanditTraining(new BanditTrainingOptions { Batch = 65_536, TrainHorizon = 10_000, Arms = 64, Hidden = 4096, Layers = 8, HeadHidden = 4096 });
        var eval = MemoryEstimates.BanditEvaluation(new BanditEvaluationOptions { Episodes = 1_000_000, Horizon = 10_000 }, 64, 8 * 8 * 4096);
        var cot = MemoryEstimates.CotSynthetic(new CotSyntheticOptions { Questions = 1_000_000, Layers = 24, Width = 1024, ChainLength = 256, Batch = 65_536 });
        var probe = MemoryEstimates.ProbeSweep(new ProbeSweepOptions { Preconditioner = true, Folds = 1000, Control = true }, 1_000_000_000, 1 << 20, 100_000, 1000);
        Assert.All(new[] { train, eval, cot, probe }, e => Assert.True(e.Bytes > 1e12 && double.IsFinite(e.Bytes), $"{e.Bytes}"));
    }

    [Fact]
    public void Available_OnLinux_ReadsMemAvailable()
    {
        var available = MemoryBudget.Available();
        Assert.NotNull(available);
        Assert.True(available.Value.Bytes > 0);
        if (File.Exists("/proc/meminfo"))
            Assert.True(available.Value.Source.Contains("MemAvailable") || available.Value.Source.Contains("cgroup"), available.Value.Source);
    }

    [Fact]
    public void EntryPoints_RefuseHugeOptionsAtOnce_BeforeAllocating()
    {
        TorchRuntime.EnsureInitialized();                                          // before the first torch.CPU (the native libraries)
        var clock = Stopwatch.StartNew();
        Assert.Throws<MemoryBudgetException>(() => CotSynthetic.RunDetailed(new CotSyntheticOptions { Steps = 1, Questions = 1_000_000, Layers = 24, Width = 1024, Heads = 8 }, TorchSharp.torch.CPU));
        Assert.Throws<MemoryBudgetException>(() => BanditTrainer.Train(new BanditTrainingOptions { Steps = 1, Batch = 65_536, TrainHorizon = 10_000, Arms = 64 }, TorchSharp.torch.CPU));
        Assert.Throws<MemoryBudgetException>(() => BanditEvaluator.Evaluate(new BanditEvaluationOptions { Episodes = 1_000_000, Horizon = 10_000, Arms = 64 }, null, TorchSharp.torch.CPU));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}");
    }
}
