using LatentLab.Imitation;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Imitation;

[Collection("torch threads")]
public class TrainingThreadsTests
{
    static float[] Weights(TrainedStudent s) => s.Network.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [Fact]
    public void TwoThreadTraining_RepeatsItsNumbers_AndTheThreadCountIsRestoredAfterwards()
    {
        var device = TorchRuntime.ResolveDevice("cpu");
        // Large enough (B*K*T = 64 x 5 x 20 LSTM rows) that torch splits its ops across both threads.
        var options = new BanditTrainingOptions { Arms = 5, TrainHorizon = 20, Steps = 8, Batch = 64, Seed = 4, ProgressEvery = 4, Threads = 2 };
        int before = TorchSharp.torch.get_num_threads();
        using var a = BanditTrainer.Train(options, device);
        Assert.Equal(before, TorchSharp.torch.get_num_threads());
        using var b = BanditTrainer.Train(options, device);
        Assert.Equal(Weights(a), Weights(b));
        Assert.Equal(a.History.Select(h => h.Loss), b.History.Select(h => h.Loss));
        using var c = BanditTrainer.Train(options with { Seed = 5 }, device);
        Assert.NotEqual(Weights(a), Weights(c));
    }

    [Fact]
    public void DefaultThreads_AreTheMachinesCores_AtMostEight()
    {
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 8), new BanditTrainingOptions().Threads);
        Assert.InRange(BanditTrainingOptions.DefaultThreads, 1, BanditTrainingOptions.MaxDefaultThreads);
    }
}
