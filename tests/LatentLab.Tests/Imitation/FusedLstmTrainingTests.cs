using LatentLab.Imitation;
using LatentLab.Imitation.Simd;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Imitation;

/// <summary>
/// The managed training pass (<see cref="FusedLstmTraining"/>) against torch's autograd through nn.LSTM and the head: the
/// same loss, agreement and gradient of every parameter, up to float rounding, for the student's shapes (per-arm and joint,
/// MLP and linear heads, hidden sizes that need padding, several chunks, one and more parts).
/// </summary>
[Collection("torch threads")]
public class FusedLstmTrainingTests
{
    public static TheoryData<string, int, int, int, bool, int> Shapes => new()
    {
        // name, K, hidden, head hidden, joint, episodes
        { "defaults (per-arm, hidden 32, MLP head 32, 1/(t+1) input)", 5, 32, 32, false, 24 },
        { "per-arm, linear head", 3, 32, 0, false, 17 },
        { "per-arm, hidden 12 (padded to 32), head 20", 4, 12, 20, false, 9 },
        { "per-arm, hidden 40 (two 32-unit groups), head 40", 2, 40, 40, false, 11 },
        { "joint, hidden 24, head 16, time input", 4, 24, 16, true, 13 },
        { "several chunks (400 episodes x 5 arms x 20 steps)", 5, 32, 32, false, 400 },
        { "joint, 40 arms (a head of two 32-output groups)", 40, 16, 16, true, 6 },
        { "per-arm, no clock (2 inputs)", 4, 32, 32, false, 10 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gradient_IsAutogradsThroughNnLstm_UpToRounding(string name, int arms, int hidden, int headHidden, bool joint, int episodes)
    {
        const int horizon = 20;
        var options = new BanditTrainingOptions
        {
            Arms = arms, Hidden = hidden, HeadHidden = headHidden, TrainHorizon = horizon, Batch = episodes, Seed = 3, Threads = 1,
            Architecture = joint ? StudentArchitecture.Joint : StudentArchitecture.PerArm, TimeInput = joint,
            InverseTimeInput = !name.Contains("no clock"), MinTrainArms = joint ? 0 : 2, MaxTrainArms = joint ? 0 : 7,
        };
        using var network = StudentNetwork.Create(options, seed: 3);
        Assert.True(FusedLstmTraining.Supports(network));
        network.train();
        var parameters = network.parameters().Cast<Tensor>().ToList();
        var (actions, rewards, labels, indices) = Episodes(episodes, horizon, arms, seed: 11);
        using (actions) using (rewards) using (labels) using (indices)
        {
            var torchPath = Gradient(network, parameters, actions, rewards, labels, indices, arms, horizon, options, threads: 1, fused: false);
            var managed = Gradient(network, parameters, actions, rewards, labels, indices, arms, horizon, options, threads: 1, fused: true);
            AssertClose(torchPath, managed, parameters.Count, name);
            var split = Gradient(network, parameters, actions, rewards, labels, indices, arms, horizon, options, threads: 2, fused: true);
            AssertClose(torchPath, split, parameters.Count, name + ", 2 parts");
            Assert.Equal(split.Grads, Gradient(network, parameters, actions, rewards, labels, indices, arms, horizon, options, threads: 2, fused: true).Grads);
        }
    }

    [Theory]
    [InlineData(32, 32, 1, true)]
    [InlineData(12, 20, 1, true)]
    [InlineData(24, 16, 4, true)]
    [InlineData(32, 32, 1, false)]
    [InlineData(24, 16, 4, false)]
    public unsafe void ForwardPass_GivesTheRolloutKernelsScores_BitForBit(int hidden, int headHidden, int outputs, bool wide)
    {
        // The training pass and the rollout kernel run the same operations in the same order (FmaTile, LstmActivations), so
        // a student trains on exactly the scores it acts on; the training pass's sixteen-lane cell update (AVX-512 CPUs) and
        // its eight-lane one (wide: false, every AVX2 CPU) give the bits of the rollout kernel's eight-lane code.
        const int rows = 11, steps = 7;
        var rng = new Random(5);
        float[] R(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
        using var network = TorchRuntime.WithGlobalGenerator(5, () => new StudentNetwork(outputs == 1 ? StudentArchitecture.PerArm : StudentArchitecture.Joint,
            outputs == 1 ? 5 : outputs, hidden, 1, timeInput: false, trainHorizon: steps, headHidden: headHidden, inverseTimeInput: outputs == 1));
        int f = network.InputSize;
        var kernel = FusedLstmTraining.TryOf(network)!;
        kernel.Wide = wide;
        Assert.Equal(wide && LstmActivations.WideSupported, kernel.Wide);
        var byName = network.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().contiguous());
        float[] T(string name) => byName[name].t().contiguous().data<float>().ToArray();     // W^T, (in, out)
        float[] V(string name) => byName[name].data<float>().ToArray();
        var bias = V("lstm.bias_ih_l0").Zip(V("lstm.bias_hh_l0"), (a, b) => a + b).ToArray();
        var head = network.named_parameters().Where(p => p.name.StartsWith("head.") && p.name.EndsWith(".weight")).Select(p => p.name).ToList();
        var rollout = new FusedLstmRollout(1, f, hidden, [T("lstm.weight_ih_l0")], [T("lstm.weight_hh_l0")], [bias],
            head.Select(n => ((int)byName[n].shape[1], (int)byName[n].shape[0])).ToArray(), head.Select(T).ToArray(),
            head.Select(n => V(n[..^"weight".Length] + "bias")).ToArray(), vector: true, wide: false);
        Assert.True(rollout.Vector);
        Assert.False(rollout.Wide);
        var x = GC.AllocateArray<float>(rows * steps * f, pinned: true);                   // (rows, T, F): one row per episode
        R(x.Length, 1f).CopyTo(x, 0);
        var ws = kernel.NewWorkspace(rows, steps);
        fixed (float* xp = x) kernel.Forward(ws, rows, steps, xp, rowsPerEpisode: 1);
        var (h, c) = rollout.NewState(rows);
        var scratch = rollout.NewScratch();
        var xt = GC.AllocateArray<float>(rows * f, pinned: true);
        var scores = GC.AllocateArray<float>(rows * outputs, pinned: true);
        int r4 = (rows + 3) / 4 * 4;
        for (int t = 0; t < steps; t++)
        {
            for (int r = 0; r < rows; r++) Array.Copy(x, (r * steps + t) * f, xt, r * f, f);
            fixed (float* xp = xt, sp = scores) rollout.Step(0, 0, rows, xp, h, c, sp, first: t == 0, scratch);
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < outputs; o++)
                    Assert.True(scores[r * outputs + o] == ws.Scores[(t * r4 + r) * kernel.ScoreStride + o],
                        $"step {t}, row {r}, output {o}: rollout {scores[r * outputs + o]:R}, training pass {ws.Scores[(t * r4 + r) * kernel.ScoreStride + o]:R}");
        }
    }

    [Fact]
    public void ATwoLayerLstm_IsNotSupported_AndItsGradientStepTakesTheTorchPath()
    {
        var options = new BanditTrainingOptions { Arms = 3, Layers = 2, TrainHorizon = 10, Batch = 6, Seed = 1, Threads = 1 };
        using var network = StudentNetwork.Create(options, seed: 1);
        Assert.False(FusedLstmTraining.Supports(network));
        network.train();
        var parameters = network.parameters().Cast<Tensor>().ToList();
        var (actions, rewards, labels, indices) = Episodes(6, 10, 3, seed: 2);
        using (actions) using (rewards) using (labels) using (indices)
        {
            var enabled = Gradient(network, parameters, actions, rewards, labels, indices, 3, 10, options, threads: 1, fused: true);
            var torchPath = Gradient(network, parameters, actions, rewards, labels, indices, 3, 10, options, threads: 1, fused: false);
            Assert.Equal(torchPath.Grads, enabled.Grads);   // the same path: the same bits
            Assert.Equal(torchPath.Loss, enabled.Loss);
        }
    }

    [Fact]
    public void TheComparison_RejectsAGradientOffByATenthOfAPercent()
    {
        // The comparison above is only worth something if a wrong gradient fails it (scaling one derivative term of the
        // backward pass by 1.001 failed 5 of its 6 shapes when tried): an entry off by 0.1% must not pass its tolerance.
        var a = new[] { new[] { 1f, 2f, 3f }, new[] { 0.5f } };
        var b = new[] { new[] { 1f, 2f, 3.003f }, new[] { 0.5f } };
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertClose((a, 1.0, 0.5), (b, 1.0, 0.5), 2, "perturbed"));
    }

    [Fact]
    public void TrainingWithTheManagedPass_RepeatsItsNumbers_AndFollowsTheTorchPathsLoss()
    {
        var device = TorchRuntime.ResolveDevice("cpu");
        var options = new BanditTrainingOptions { Arms = 5, TrainHorizon = 20, Steps = 12, Batch = 32, Seed = 4, ProgressEvery = 4, Threads = 2 };
        using var a = BanditTrainer.Train(options, device);
        using var b = BanditTrainer.Train(options, device);
        Assert.Equal(a.History.Select(h => h.Loss), b.History.Select(h => h.Loss));
        Assert.Equal(a.Network.parameters().SelectMany(p => p.data<float>().ToArray()), b.Network.parameters().SelectMany(p => p.data<float>().ToArray()));
        FusedLstmTraining.Enabled = false;
        try
        {
            using var torchRun = BanditTrainer.Train(options, device);
            // Another summation order changes the last bits of every step; over 12 steps the losses stay within 1e-3.
            foreach (var (m, t) in a.History.Zip(torchRun.History)) Assert.InRange(Math.Abs(m.Loss - t.Loss), 0, 1e-3 * Math.Abs(t.Loss));
        }
        finally { FusedLstmTraining.Enabled = true; }
    }

    static (Tensor Actions, Tensor Rewards, Tensor Labels, Tensor Indices) Episodes(int episodes, int horizon, int arms, int seed)
    {
        using var g = new Generator((ulong)seed, CPU);
        var actions = randint(0, arms, new long[] { episodes, horizon }, dtype: int64, generator: g);
        var rewards = randint(0, 2, new long[] { episodes, horizon }, dtype: float32, generator: g);
        // Soft labels: uniform over one or two arms, as UCB1's ties give.
        var first = nn.functional.one_hot(randint(0, arms, new long[] { episodes, horizon }, dtype: int64, generator: g), arms).to(float32);
        var second = nn.functional.one_hot(randint(0, arms, new long[] { episodes, horizon }, dtype: int64, generator: g), arms).to(float32);
        var both = first.add(second).clamp_max(1f);
        var labels = both.div(both.sum(-1, keepdim: true));
        var indices = rand(new long[] { episodes, horizon, arms }, generator: g);
        return (actions, rewards, labels, indices);
    }

    static (float[][] Grads, double Loss, double Agreement) Gradient(StudentNetwork network, List<Tensor> parameters, Tensor actions, Tensor rewards,
        Tensor labels, Tensor indices, int arms, int horizon, BanditTrainingOptions options, int threads, bool fused)
    {
        foreach (var p in parameters) p.grad?.zero_();
        FusedLstmTraining.Enabled = fused;
        try
        {
            using var scope = TorchRuntime.UseThreads(threads);
            var (completed, loss, agreement) = BanditTrainer.GradientStep(network, parameters, actions, rewards, labels, indices, arms, horizon,
                options with { IndexLossWeight = 0.5 }, threads, CancellationToken.None);
            Assert.True(completed);
            return (parameters.Select(p => p.grad!.data<float>().ToArray()).ToArray(), loss, agreement);
        }
        finally { FusedLstmTraining.Enabled = true; }
    }

    static void AssertClose((float[][] Grads, double Loss, double Agreement) expected, (float[][] Grads, double Loss, double Agreement) actual, int count, string what)
    {
        Assert.True(Math.Abs(expected.Loss - actual.Loss) <= 1e-5 * Math.Abs(expected.Loss), $"{what}: loss {actual.Loss} against {expected.Loss}");
        Assert.True(Math.Abs(expected.Agreement - actual.Agreement) <= 1e-6, $"{what}: agreement {actual.Agreement} against {expected.Agreement}");
        for (int i = 0; i < count; i++)
        {
            // Per parameter, relative to its largest entry; a parameter whose gradient is below 1% of the largest entry of all
            // is compared on that largest entry's scale: the per-arm head's output bias, whose exact gradient is zero (shifting
            // every arm's score leaves the softmax unchanged), so both paths give rounding noise there.
            float own = expected.Grads[i].Max(Math.Abs), largest = expected.Grads.Max(g => g.Max(Math.Abs));
            float scale = own >= 1e-2f * largest ? own : largest;
            float diff = expected.Grads[i].Zip(actual.Grads[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(diff <= 2e-4f * scale, $"{what}: parameter {i} differs by {diff} (its scale {scale})");
        }
    }
}
