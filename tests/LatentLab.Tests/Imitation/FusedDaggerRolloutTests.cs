using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Imitation.Simd;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Imitation;

/// <summary>
/// The DAgger rollout in managed code (<see cref="FusedDaggerRollout"/>) against the tensor rollout it replaces: the same
/// generator state in, the same bits out (actions, rewards, labels, UCB1's index) and the same generator state after, so a
/// training run's numbers do not depend on which rollout ran.
/// </summary>
[Collection("torch threads")]
public class FusedDaggerRolloutTests
{
    static readonly Device Cpu = TorchRuntime.ResolveDevice("cpu");

    public static IEnumerable<object[]> Cases =>
    [
        // architecture, arms, episodes, horizon, beta, index loss, threads
        [StudentArchitecture.PerArm, 3, 16, 12, 1.0, true, 1],      // the teacher alone: the student is not run
        [StudentArchitecture.PerArm, 5, 37, 30, 0.5, true, 1],      // mixed; horizon past the training horizon
        [StudentArchitecture.PerArm, 4, 130, 20, 0.0, false, 2],    // the student alone, two workers of 65 episodes
        [StudentArchitecture.PerArm, 2, 129, 15, 0.3, true, 2],
        [StudentArchitecture.Joint, 3, 20, 12, 0.6, true, 1],
        [StudentArchitecture.Joint, 3, 140, 12, 0.0, false, 2],
    ];

    static TrainedStudent Student(StudentArchitecture architecture, out BanditTrainingOptions options)
    {
        options = StudentTrainingTests.Tiny(steps: 3) with { Architecture = architecture };
        if (architecture == StudentArchitecture.Joint) options = options with { TimeInput = true, MinTrainArms = 0 };
        return BanditTrainer.Train(options, Cpu);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedRollout_GivesTheTensorRolloutsBits(StudentArchitecture architecture, int arms, int episodes, int horizon, double beta,
        bool indexLoss, int threads)
    {
        using var student = Student(architecture, out var options);
        if (architecture == StudentArchitecture.Joint) arms = student.Arms;
        options = options with { IndexLossWeight = indexLoss ? 1.0 : 0.0 };
        var spec = options.Spec with { Arms = arms };
        using var _ = TorchRuntime.UseThreads(threads);

        (Tensor?, Tensor?, Tensor?, Tensor?, float) Run(bool fused)
        {
            bool before = FusedDaggerRollout.Enabled;
            FusedDaggerRollout.Enabled = fused;
            try
            {
                using var g = new Generator(4242, Cpu);
                var r = BanditTrainer.Rollout(student.Network, options, spec, episodes, horizon, beta, g, Cpu, CancellationToken.None);
                float next = rand(new long[] { 1 }, generator: g).item<float>();          // the generator's state after
                return (r.Actions, r.Rewards, r.Labels, r.Indices, next);
            }
            finally { FusedDaggerRollout.Enabled = before; }
        }

        var (ta, tr, tl, ti, tn) = Run(false);
        var (fa, fr, fl, fi, fn) = Run(true);
        Assert.Equal(ta!.data<long>().ToArray(), fa!.data<long>().ToArray());
        Assert.Equal(tr!.data<float>().ToArray(), fr!.data<float>().ToArray());
        Assert.Equal(new long[] { episodes, horizon, arms }, fl!.shape);
        Assert.Equal(tl!.data<float>().ToArray(), fl.data<float>().ToArray());
        Assert.Equal(indexLoss, fi is not null);
        if (indexLoss) Assert.Equal(ti!.data<float>().ToArray(), fi!.data<float>().ToArray());
        Assert.Equal(tn, fn);
        foreach (var t in new[] { ta, tr, tl, ti, fa, fr, fl, fi }) t?.Dispose();
    }

    [Fact]
    public void EncodeStepInto_GivesEncodeStepsBits()
    {
        foreach (var architecture in new[] { StudentArchitecture.PerArm, StudentArchitecture.Joint })
        {
            using var student = Student(architecture, out _);
            var net = student.Network;
            int arms = net.Arms;
            using var g = new Generator(3, Cpu);
            long batch = 9;
            using var actions = randint(0, arms, new long[] { batch }, dtype: int64, generator: g);
            using var rewards = randn(new long[] { batch }, generator: g);                     // negative ones too (the sign of 0 x r)
            foreach (int step in new[] { 0, 1, 5, 11, 37 })
            {
                using var expected = net.EncodeStep(actions, rewards, batch, step, Cpu, arms).reshape(batch, -1);
                int f = (int)expected.shape[1];
                var got = new float[batch * f];
                for (int e = 0; e < batch; e++)
                    net.EncodeStepInto(got.AsSpan(e * f, f), arms, step, actions[e].item<long>(), rewards[e].item<float>());
                Assert.Equal(expected.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits), got.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }
}
