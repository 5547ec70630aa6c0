using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Imitation.Simd;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Imitation;

/// <summary>
/// The DAgger rollout in managed code (<see cref="FusedRollouts"/>) against the tensor rollout it replaces: the same
/// generator state in, the same bits out (actions, rewards, labels, UCB1's index) and the same generator state after, so a
/// training run's numbers do not depend on which rollout ran.
/// </summary>
[Collection("torch threads")]
public class FusedRolloutsTests
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
            bool before = FusedRollouts.Enabled;
            FusedRollouts.Enabled = fused;
            try
            {
                using var g = new Generator(4242, Cpu);
                var r = BanditTrainer.Rollout(student.Network, options, spec, episodes, horizon, beta, g, Cpu, CancellationToken.None);
                float next = rand(new long[] { 1 }, generator: g).item<float>();          // the generator's state after
                return (r.Actions, r.Rewards, r.Labels, r.Indices, next);
            }
            finally { FusedRollouts.Enabled = before; }
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

    public static IEnumerable<object[]> PlayCases =>
    [
        // architecture, copies, arms, episodes per copy, env horizon, rollout horizon, agreement, threads
        [StudentArchitecture.PerArm, 1, 5, 40, 30, 30, true, 1],
        [StudentArchitecture.PerArm, 3, 4, 50, 25, 18, true, 2],      // a shorter rollout than the environment's tape; 150 episodes, 2 workers
        [StudentArchitecture.PerArm, 2, 3, 70, 12, 12, false, 2],
        [StudentArchitecture.Joint, 2, 3, 66, 20, 20, true, 2],
    ];

    /// <summary>
    /// <see cref="BanditRollout.Run"/> of a stacked student: its own whole pass (<see cref="FusedRollouts.Play"/>) against stepping it
    /// pull by pull on the same kernel: the same regret, agreement, environment statistics afterwards and last scores.
    /// </summary>
    [Theory]
    [MemberData(nameof(PlayCases))]
    public void Play_GivesTheSteppedRolloutsBits(StudentArchitecture architecture, int copies, int arms, int episodes, int envHorizon, int horizon,
        bool agreement, int threads)
    {
        using var student = Student(architecture, out var unused);
        if (architecture == StudentArchitecture.Joint) arms = student.Arms;
        using var g = new Generator(8, Cpu);
        var stacks = student.Network.parameters().Select(p => stack(Enumerable.Range(0, copies)
            .Select(c => p.detach() + 0.2f * c * randn(p.shape, generator: g)).ToArray()).DetachFromDisposeScope()).ToList();
        using var env = BanditEnvironment.Create(new BanditSpec(arms), episodes, envHorizon, 21, Cpu);
        using var replicated = env.Replicate(copies);
        using var threadScope = TorchRuntime.UseThreads(threads);

        (float[] Regret, float[]? Agreement, float[] Counts, float[] Sums, float[] Last, int Steps) Run(bool whole)
        {
            bool before = FusedRollouts.Enabled;
            FusedRollouts.Enabled = whole;
            try
            {
                using var policy = new StackedStudentPolicy(student.Network, stacks);
                int calls = 0;
                using var trace = BanditRollout.Run(replicated, policy, horizon, 0, agreement, onStep: s => { Assert.Equal(++calls, s); });
                Assert.Equal(horizon, calls);
                return (trace.Regret.data<float>().ToArray(), trace.Agreement?.data<float>().ToArray(),
                    replicated.Statistics.Counts.data<float>().ToArray(), replicated.Statistics.Sums.data<float>().ToArray(),
                    policy.LastLogits!.data<float>().ToArray(), replicated.Step);
            }
            finally { FusedRollouts.Enabled = before; }
        }

        var stepped = Run(false);
        var whole = Run(true);
        Assert.Equal(stepped.Regret, whole.Regret);
        Assert.Equal(horizon * episodes * copies, whole.Regret.Length);
        Assert.Equal(stepped.Agreement, whole.Agreement);
        Assert.Equal(agreement, whole.Agreement is not null);
        Assert.Equal(stepped.Counts, whole.Counts);
        Assert.Equal(stepped.Sums, whole.Sums);
        Assert.Equal(stepped.Last, whole.Last);
        Assert.Equal(horizon, whole.Steps);
        foreach (var t in stacks) t.Dispose();
    }

    [Fact]
    public void Play_CancelledBeforeAPull_Throws()
    {
        using var student = Student(StudentArchitecture.PerArm, out _);
        using var env = BanditEnvironment.Create(new BanditSpec(3), 10, 12, 1, Cpu);
        using var policy = StackedStudentPolicy.Of(student.Network);
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            BanditRollout.Run(env, policy, 12, 0, true, onStep: s => { if (s == 5) cts.Cancel(); }, cancellationToken: cts.Token));
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
