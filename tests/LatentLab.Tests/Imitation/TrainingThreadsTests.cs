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
    public void GradientSplitOverThreads_IsTheOneThreadGradient_UpToRounding_AndRepeatsBitForBit()
    {
        // 400 episodes x 5 arms x 20 steps = 40,000 LSTM rows: 3 chunks on one thread, 2 per part on two, 1 per part on three.
        var options = new BanditTrainingOptions { Arms = 5, TrainHorizon = 20, Batch = 400, Seed = 2, Threads = 1 };
        using var network = StudentNetwork.Create(options, seed: 2);
        network.train();
        var parameters = network.parameters().Cast<Tensor>().ToList();
        using var g = new TorchSharp.torch.Generator(9, CPU);
        using var actions = randint(0, 5, new long[] { 400, 20 }, dtype: int64, generator: g);
        using var rewards = randint(0, 2, new long[] { 400, 20 }, dtype: float32, generator: g);
        using var labels = TorchSharp.torch.nn.functional.one_hot(randint(0, 5, new long[] { 400, 20 }, dtype: int64, generator: g), 5).to(float32);
        using var indices = rand(new long[] { 400, 20, 5 }, generator: g);
        (float[][] Grads, double Loss, double Agreement) Gradient(int threads)
        {
            foreach (var p in parameters) p.grad?.zero_();
            using var scope = TorchRuntime.UseThreads(threads);
            var (completed, loss, agreement) = BanditTrainer.GradientStep(network, parameters, actions, rewards, labels, indices, 5, 20, options, threads, CancellationToken.None);
            Assert.True(completed);
            return (parameters.Select(p => p.grad!.data<float>().ToArray()).ToArray(), loss, agreement);
        }
        void AssertClose((float[][] Grads, double Loss, double Agreement) one, (float[][] Grads, double Loss, double Agreement) split, string what)
        {
            Assert.InRange(Math.Abs(one.Loss - split.Loss), 0, 1e-5 * Math.Abs(one.Loss));   // float sums in another order
            Assert.InRange(Math.Abs(one.Agreement - split.Agreement), 0, 1e-6);
            // Relative to the largest entry of all: the per-arm head's output bias has a zero gradient up to rounding (a shift
            // of every arm's score leaves the softmax unchanged), so its own scale is noise.
            float scale = one.Grads.Max(g => g.Max(Math.Abs));
            for (int i = 0; i < parameters.Count; i++)
            {
                float diff = one.Grads[i].Zip(split.Grads[i], (a, b) => Math.Abs(a - b)).Max();
                Assert.True(diff <= 1e-5f * scale, $"{what}: parameter {i} differs by {diff} (largest entry of all {scale})");
            }
        }
        var fresh = Gradient(2);   // first, while every .grad is still unset: the split path sets it instead of copying into it
        var one = Gradient(1);
        AssertClose(one, fresh, "2 threads, .grad unset before");
        Assert.Equal(fresh.Grads, Gradient(2).Grads);   // the same split sums in the same order: the same bits
        var three = Gradient(3);
        AssertClose(one, three, "3 threads");
        Assert.Equal(three.Grads, Gradient(3).Grads);
    }

    [Fact]
    public void DefaultThreads_AreTheMachinesCores_AtMostEight()
    {
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 8), new BanditTrainingOptions().Threads);
        Assert.InRange(BanditTrainingOptions.DefaultThreads, 1, BanditTrainingOptions.MaxDefaultThreads);
    }
}
