using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Imitation.Simd;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Imitation;

/// <summary>
/// The fused C# rollout kernel (<see cref="StudentRolloutPath.Fused"/>) against the TorchSharp ops of the same stacked policy
/// (<see cref="StudentRolloutPath.Torch"/>), its scalar code, other thread counts, and the tensor tie rule.
/// </summary>
[Collection("torch threads")]
public class FusedRolloutTests
{
    static readonly Device Cpu = TorchRuntime.ResolveDevice("cpu");

    /// <summary>A tiny trained student of this shape (3 training steps), and C stacked copies of it: copy c = weights + 0.3c noise.</summary>
    static (TrainedStudent Student, List<Tensor> Stacks) Student(StudentArchitecture architecture, int layers, int hidden, int headHidden, int copies)
    {
        var options = StudentTrainingTests.Tiny(steps: 3) with { Architecture = architecture, Layers = layers, Hidden = hidden, HeadHidden = headHidden };
        if (architecture == StudentArchitecture.Joint) options = options with { TimeInput = true };
        var student = BanditTrainer.Train(options, Cpu);
        using var g = new Generator(99, Cpu);
        var stacks = student.Network.parameters().Select(p => stack(Enumerable.Range(0, copies)
            .Select(c => p.detach() + 0.3f * c * randn(p.shape, generator: g)).ToArray()).DetachFromDisposeScope()).ToList();
        return (student, stacks);
    }

    static float[] Floats(Tensor t) => t.data<float>().ToArray();
    static long[] Longs(Tensor t) => t.data<long>().ToArray();

    public static IEnumerable<object[]> Shapes =>
    [
        // architecture, layers, hidden, head hidden (0 = linear), copies, arms, episodes per copy
        [StudentArchitecture.PerArm, 1, 8, 8, 1, 3, 13],
        [StudentArchitecture.PerArm, 1, 12, 20, 3, 3, 7],     // hidden and head padded to 16 and 32; 21 rows per copy: 4-row passes and a tail
        [StudentArchitecture.PerArm, 2, 8, 0, 4, 5, 6],       // two layers, a linear head
        [StudentArchitecture.PerArm, 2, 16, 8, 2, 4, 9],
        [StudentArchitecture.Joint, 1, 8, 8, 2, 3, 11],       // K outputs per row
        [StudentArchitecture.Joint, 2, 12, 0, 3, 3, 5],
    ];

    /// <summary>
    /// Both paths play the same environment in lockstep, both fed the torch path's arms and rewards: every step's scores agree
    /// to 1e-5, and the arms are the same except where the torch path's best two scores are within 1e-5 (a near tie that rounding
    /// may break either way). Then each path plays its own full rollout: the same per-step regret of every episode.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void FusedPath_MatchesTheTorchPath(StudentArchitecture architecture, int layers, int hidden, int headHidden, int copies, int arms, int episodes)
    {
        var (student, stacks) = Student(architecture, layers, hidden, headHidden, copies);
        using var _ = student;
        if (architecture == StudentArchitecture.Joint) arms = student.Arms;                // a joint student plays its training K
        const int horizon = 20;                                                            // past the training horizon (12)
        using var env = BanditEnvironment.Create(new BanditSpec(arms), episodes, horizon, 7, Cpu);
        using var replicated = env.Replicate(copies);
        using var fused = new StackedStudentPolicy(student.Network, stacks) { Path = StudentRolloutPath.Fused };
        using var reference = new StackedStudentPolicy(student.Network, stacks) { Path = StudentRolloutPath.Torch };
        replicated.Reset();
        fused.Reset(replicated.Batch, arms, Cpu, 0);
        reference.Reset(replicated.Batch, arms, Cpu, 0);
        int nearTies = 0, differentArms = 0, distinctChoices = 0;
        for (int t = 0; t < horizon; t++)
        {
            using var scope = NewDisposeScope();
            var aFused = Longs(fused.Act(t));
            var aTorch = reference.Act(t);
            Assert.Equal(LstmActivations.VectorSupported, fused.LastStepVectorized);      // the fused kernel ran (AVX2+FMA where the CPU has it)
            float[] sFused = Floats(fused.LastLogits!), sTorch = Floats(reference.LastLogits!);
            Assert.Equal(sTorch.Length, sFused.Length);
            for (int i = 0; i < sTorch.Length; i++)
                Assert.True(Math.Abs(sFused[i] - sTorch[i]) <= 1e-5f + 1e-5f * Math.Abs(sTorch[i]),
                    $"step {t} episode {i / arms} arm {i % arms}: fused {sFused[i]:R}, torch {sTorch[i]:R}");
            var torchArms = Longs(aTorch);
            for (int e = 0; e < torchArms.Length; e++)
            {
                var row = sTorch.AsSpan(e * arms, arms).ToArray();
                var sorted = row.OrderByDescending(x => x).ToArray();
                bool nearTie = sorted[0] - sorted[1] <= 1e-5f * (1 + Math.Abs(sorted[0]));
                if (nearTie) nearTies++;
                if (aFused[e] != torchArms[e])
                {
                    differentArms++;
                    Assert.True(nearTie, $"step {t} episode {e}: fused arm {aFused[e]}, torch arm {torchArms[e]}, scores [{string.Join(", ", row)}] are not a near tie");
                }
                if (torchArms[e] != 0) distinctChoices++;
            }
            var rewards = replicated.Pull(aTorch);
            fused.Observe(aTorch, rewards);
            reference.Observe(aTorch, rewards);
        }
        Assert.True(distinctChoices > 0, "every arm chosen was arm 0: the comparison would not see a wrong choice");

        using var fusedTrace = BanditRollout.Run(replicated, fused, horizon, 0, trackAgreement: false);
        using var torchTrace = BanditRollout.Run(replicated, reference, horizon, 0, trackAgreement: false);
        float[] rFused = Floats(fusedTrace.Regret), rTorch = Floats(torchTrace.Regret);     // (T, C*B)
        for (int i = 0; i < rTorch.Length; i++)
            Assert.True(Math.Abs(rFused[i] - rTorch[i]) <= 1e-6f, $"step {i / replicated.Batch} episode {i % replicated.Batch}: regret fused {rFused[i]}, torch {rTorch[i]} ({differentArms} lockstep arms differed at {nearTies} near ties)");
        foreach (var t in stacks) t.Dispose();
    }

    /// <summary>The scalar code (for CPUs without AVX2+FMA) and the eight-lane code (for CPUs without AVX-512) perform the
    /// default code's operations: the same bits, the same arms.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void ScalarCode_GivesTheVectorCodesBits(StudentArchitecture architecture, int layers, int hidden, int headHidden, int copies, int arms, int episodes)
    {
        var (student, stacks) = Student(architecture, layers, hidden, headHidden, copies);
        using var _ = student;
        if (architecture == StudentArchitecture.Joint) arms = student.Arms;
        using var env = BanditEnvironment.Create(new BanditSpec(arms), episodes * copies, 16, 3, Cpu);
        using var vector = new StackedStudentPolicy(student.Network, stacks) { Path = StudentRolloutPath.Fused };
        using var scalar = new StackedStudentPolicy(student.Network, stacks) { Path = StudentRolloutPath.FusedScalar };
        using var eight = new StackedStudentPolicy(student.Network, stacks) { Path = StudentRolloutPath.FusedEightLanes };
        var (aVector, sVector) = Roll(env, vector);
        var (aScalar, sScalar) = Roll(env, scalar);
        var (aEight, sEight) = Roll(env, eight);
        Assert.False(scalar.LastStepVectorized);
        Assert.Equal(LstmActivations.VectorSupported, eight.LastStepVectorized);
        Assert.Equal(aScalar, aVector);
        Assert.Equal(aEight, aVector);
        Assert.Equal(sScalar.Select(BitConverter.SingleToInt32Bits), sVector.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(sEight.Select(BitConverter.SingleToInt32Bits), sVector.Select(BitConverter.SingleToInt32Bits));
        foreach (var t in stacks) t.Dispose();
    }

    /// <summary>Episodes split over two threads give the bits of one thread (every row's operations are the same wherever it runs).</summary>
    [Fact]
    public void TwoThreads_GiveTheBitsOfOneThread()
    {
        var (student, stacks) = Student(StudentArchitecture.PerArm, 1, 8, 8, 2);
        using var _ = student;
        using var env = BanditEnvironment.Create(new BanditSpec(3), 2 * 75, 16, 5, Cpu);   // 150 episodes: two workers of 75
        (long[], float[]) RollOn(int threads)
        {
            using var scope = TorchRuntime.UseThreads(threads);
            using var policy = new StackedStudentPolicy(student.Network, stacks);
            return Roll(env, policy);
        }
        var (a1, s1) = RollOn(1);
        var (a2, s2) = RollOn(2);
        Assert.Equal(a1, a2);
        Assert.Equal(s1.Select(BitConverter.SingleToInt32Bits), s2.Select(BitConverter.SingleToInt32Bits));
        foreach (var t in stacks) t.Dispose();
    }

    /// <summary>The span rule the kernel uses picks the arm the tensor rule picks, on exact ties, near ties, gaps just past the tolerance, signs and NaN.</summary>
    [Fact]
    public void SpanTieRule_PicksTheTensorRulesArm()
    {
        float m = 0.033027347f;
        float[][] rows =
        [
            [1f, 1f, 1f],
            [0.033027343f, m, 0f],                                                    // the rounding gap of the AVX-512 Xeon: a tie
            [m * (1 - 2e-6f), m, 0f],                                                  // past the tolerance: arm 1
            [m - MathF.Abs(m) * 1e-6f - 1e-12f, m, 0f],                               // at the threshold
            [-2f, -1f - 1e-7f, -1f],
            [-5f, -5f, -4.99999f],
            [0f, 0f, 1e-13f],
            [0f, -1e-13f, 0f],
            [3f, float.NaN, 4f],
            [float.NegativeInfinity, float.NegativeInfinity, -1f],
            [2f, 1f, 2f],
        ];
        using var scores = tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, 3 });
        var expected = Longs(TieBreaking.FirstNearMaximum(scores));
        for (int i = 0; i < rows.Length; i++)
            Assert.True(expected[i] == TieBreaking.FirstNearMaximum(rows[i]), $"row {i} [{string.Join(", ", rows[i].Select(x => x.ToString("R")))}]: tensor rule {expected[i]}, span rule {TieBreaking.FirstNearMaximum(rows[i])}");
        Assert.Throws<ArgumentException>(() => TieBreaking.FirstNearMaximum(ReadOnlySpan<float>.Empty));
    }

    /// <summary>The fused exp-based activations stay within 3e-7 (absolute) of the library's tanh and sigmoid over the whole range.</summary>
    [Fact]
    public void Activations_AreCloseToTheLibrarys()
    {
        for (float x = -30f; x <= 30f; x += 0.001953125f)
        {
            Assert.True(Math.Abs(LstmActivations.Tanh(x) - Math.Tanh(x)) <= 3e-7, $"tanh({x:R}) = {LstmActivations.Tanh(x):R}, library {Math.Tanh(x):R}");
            var (c, h) = LstmActivations.Cell(x, -x, x / 2, 0.5f * x, 0.25f);
            double si = 1 / (1 + Math.Exp(-x)), sf = 1 / (1 + Math.Exp(x)), so = 1 / (1 + Math.Exp(-0.5 * x));
            double cExact = sf * 0.25 + si * Math.Tanh(x / 2);
            Assert.True(Math.Abs(c - cExact) <= 5e-7, $"cell c at {x:R}: {c:R}, exact {cExact:R}");
            Assert.True(Math.Abs(h - so * Math.Tanh(cExact)) <= 5e-7, $"cell h at {x:R}: {h:R}, exact {so * Math.Tanh(cExact):R}");
        }
    }

    static (long[] Actions, float[] Scores) Roll(BanditEnvironment env, StackedStudentPolicy policy) =>
        StackedStudentPolicyTests.Roll(env, policy, () => policy.LastLogits!);
}
