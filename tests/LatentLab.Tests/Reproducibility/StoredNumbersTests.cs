using System.Security.Cryptography;
using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Probes;
using LatentLab.Torch;

namespace LatentLab.Tests.Reproducibility;

/// <summary>
/// Short fixed-seed runs of the bandit, cot-synthetic and probe paths against numbers stored here. They were recorded
/// with LatentLab's default kernel settings (AVX2 code paths, one torch thread), which are meant to give the same
/// numbers on any x86-64 CPU with AVX2: a failure here on another machine means that promise does not hold there.
/// </summary>
public class StoredNumbersTests
{
    static string Hash(IEnumerable<double> values) =>
        Convert.ToHexString(SHA256.HashData(values.SelectMany(BitConverter.GetBytes).ToArray()))[..16];

    static bool DefaultKernels => Environment.GetEnvironmentVariable("LATENTLAB_REPRODUCIBLE_KERNELS") != "0";

    [Fact]
    public void ShortBanditTrainingAndEvaluation_GiveTheStoredNumbers()
    {
        if (!DefaultKernels) return;   // the stored numbers are those of the default kernels
        var device = TorchRuntime.ResolveDevice("cpu");
        using var student = BanditTrainer.Train(new BanditTrainingOptions { Steps = 60, Batch = 64, Seed = 3, ProgressEvery = 10, Threads = 1 }, device);
        var weights = student.Network.parameters().SelectMany(p => p.data<float>().ToArray().Select(f => (double)f));
        Assert.Equal("BE32E4AE16BAE359", Hash(weights));

        var evaluation = StudentEvaluator.Evaluate(new BanditEvaluationOptions
        {
            Episodes = 300, Horizon = 100, Seed = 1, Baselines = ["random", "greedy", "ucb1", "thompson"],
        }, student, device);
        var regret = evaluation.Curves.ToDictionary(c => c.Policy, c => c.Regret[^1]);
        Assert.Equal(18.969464484850565, regret["student"]);
        Assert.Equal(17.174781345526377, regret["ucb1"]);
        Assert.Equal(8.01763439655304, regret["thompson"]);
        Assert.Equal("6E15B3AF26F54E0E", Hash(evaluation.Curves[0].Regret.Concat(evaluation.Curves[0].Low).Concat(evaluation.Curves[0].High)));
    }

    [Fact]
    public void TinyCotSyntheticAndItsProbeSweep_GiveTheStoredNumbers()
    {
        if (!DefaultKernels) return;
        var device = TorchRuntime.ResolveDevice("cpu");
        var acts = CotSynthetic.RunDetailed(CotSyntheticOptions.Tiny, device).Activations;
        using (acts)
        {
            var values = Enumerable.Range(0, acts.Layers).SelectMany(l =>
            {
                using var layer = acts.ReadLayer(l);
                return layer.data<float>().ToArray().Select(f => (double)f).ToArray();
            });
            Assert.Equal("09F728AB5A518D59", Hash(values));
            var sweep = ProbeSweep.Run(acts, new ProbeSweepOptions { Folds = 3, Control = true, Seed = 0 }, device);
            Assert.Equal(42, sweep.Cells.Count);
            Assert.Equal("23D3E41E398E64C5", Hash(sweep.Cells.SelectMany(c =>
                new[] { c.Accuracy, c.AccuracyCiLow, c.AccuracyCiHigh, c.ControlAccuracy, c.BaselineAccuracy })));
        }
    }
}
