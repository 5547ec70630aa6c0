using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Imitation;

[Collection("torch threads")]
public class StackedStudentPolicyTests
{
    static readonly Device Cpu = TorchRuntime.ResolveDevice("cpu");

    /// <summary>Copy c of the network's parameters: the trained weights plus noise of scale 0.3*c (copy 0 = the trained weights).</summary>
    static List<Tensor> Stacks(StudentNetwork network, int copies)
    {
        using var g = new Generator(99, Cpu);
        return network.parameters().Select(p => stack(Enumerable.Range(0, copies)
            .Select(c => p.detach() + 0.3f * c * randn(p.shape, generator: g)).ToArray()).DetachFromDisposeScope()).ToList();
    }

    /// <summary>Rolls one policy over env for its horizon; returns every step's actions (T, B) and scores (T, B, K).</summary>
    internal static (long[] Actions, float[] Scores) Roll(BanditEnvironment env, IBanditPolicy policy, Func<Tensor> lastScores)
    {
        env.Reset();
        policy.Reset(env.Batch, env.Spec.Arms, Cpu, 0);
        var actions = new List<long>();
        var scores = new List<float>();
        for (int t = 0; t < env.Horizon; t++)
        {
            using var scope = NewDisposeScope();
            var a = policy.Act(t);
            actions.AddRange(a.data<long>().ToArray());
            scores.AddRange(lastScores().data<float>().ToArray());
            policy.Observe(a, env.Pull(a));
        }
        return (actions.ToArray(), scores.ToArray());
    }

    [Theory]
    [InlineData(StudentArchitecture.PerArm, true, 1, 3, StackedStudentPolicy.DefaultBlockRows)]
    [InlineData(StudentArchitecture.PerArm, true, 1, 3, 20)]        // blocks of 5 of a copy's 18 rows (6 episodes x 3 arms)
    [InlineData(StudentArchitecture.PerArm, false, 2, 4, 28)]       // blocks of 7 of a copy's 24 rows: a short last block
    [InlineData(StudentArchitecture.Joint, true, 1, 3, 0)]
    [InlineData(StudentArchitecture.Joint, false, 2, 3, 8)]
    public void StackedCopies_PlayAsEachCopyAloneThroughStudentPolicy(StudentArchitecture architecture, bool clockInput, int layers, int arms, long blockRows)
    {
        var options = StudentTrainingTests.Tiny(steps: 3) with { Architecture = architecture, Layers = layers, Arms = 3 };
        options = architecture == StudentArchitecture.Joint ? options with { TimeInput = clockInput } : options with { InverseTimeInput = clockInput };
        if (layers == 2) options = options with { HeadHidden = 0 };    // the linear head too
        using var student = BanditTrainer.Train(options, Cpu);
        const int copies = 4, episodes = 6, horizon = 20;              // past the training horizon (12)
        using var env = BanditEnvironment.Create(new BanditSpec(arms), episodes, horizon, 7, Cpu);
        using var replicated = env.Replicate(copies);
        var stacks = Stacks(student.Network, copies);
        using var stacked = new StackedStudentPolicy(student.Network, stacks) { BlockRows = blockRows };
        var (batchedActions, batchedScores) = Roll(replicated, stacked, () => stacked.LastLogits!);

        using var work = StudentNetwork.Create(options);
        var perCopyActions = new List<long>[copies];
        var perCopyScores = new List<float>[copies];
        for (int c = 0; c < copies; c++)
        {
            using (no_grad())
                foreach (var (w, s) in work.parameters().Zip(stacks)) w.copy_(s[c]);
            using var alone = new StudentPolicy(work);
            var (a, sc) = Roll(env, alone, () => alone.LastLogits!);
            perCopyActions[c] = a.ToList();
            perCopyScores[c] = sc.ToList();
        }
        // Batched layout per step: copy-major (c*B + b). Compare step by step.
        int k = arms;
        for (int t = 0; t < horizon; t++)
            for (int c = 0; c < copies; c++)
                for (int b = 0; b < episodes; b++)
                {
                    Assert.Equal(perCopyActions[c][t * episodes + b], batchedActions[t * copies * episodes + c * episodes + b]);
                    for (int j = 0; j < k; j++)
                    {
                        float alone = perCopyScores[c][(t * episodes + b) * k + j], batched = batchedScores[(t * copies * episodes + c * episodes + b) * k + j];
                        Assert.True(Math.Abs(alone - batched) <= 1e-5f + 1e-4f * Math.Abs(alone), $"step {t} copy {c} episode {b} arm {j}: {alone} alone, {batched} batched");
                    }
                }
        // The copies differ (the noise changed the policy), so the comparison above is not of four identical networks.
        Assert.Contains(Enumerable.Range(1, copies - 1), c => !perCopyScores[c].SequenceEqual(perCopyScores[0]));
        foreach (var t in stacks) t.Dispose();
    }

    [Fact]
    public void Replicate_RepeatsTheBanditsAndTheRewardTape_CopyMajor()
    {
        using var env = BanditEnvironment.Create(new BanditSpec(3), 4, 5, 1, Cpu);
        using var rep = env.Replicate(3);
        Assert.Equal(12, rep.Batch);
        Assert.Equal(env.Means.repeat(3, 1).data<float>().ToArray(), rep.Means.data<float>().ToArray());
        var actions = tensor(new long[] { 0, 1, 2, 1 });
        var r1 = env.Pull(actions).data<float>().ToArray();
        var r3 = rep.Pull(actions.repeat(3)).data<float>().ToArray();
        Assert.Equal(r1.Concat(r1).Concat(r1), r3);
        Assert.Throws<ArgumentException>(() => env.Replicate(0));
    }

    [Fact]
    public void WrongStacks_AreRejectedNamingTheParameterAndTheShape()
    {
        using var student = BanditTrainer.Train(StudentTrainingTests.Tiny(steps: 1), Cpu);
        var stacks = Stacks(student.Network, 2);
        var ex = Assert.Throws<ArgumentException>(() => new StackedStudentPolicy(student.Network, stacks.Skip(1).ToList()));
        Assert.Contains("one (C, ...) stack per parameter", ex.Message);
        stacks[0] = stacks[0].unsqueeze(1);
        ex = Assert.Throws<ArgumentException>(() => new StackedStudentPolicy(student.Network, stacks));
        Assert.Contains("lstm.weight_ih_l0", ex.Message);
        using var policy = new StackedStudentPolicy(student.Network, Stacks(student.Network, 2));
        Assert.Throws<ArgumentException>(() => policy.Reset(5, 3, Cpu, 0));   // 5 episodes do not split into 2 copies
    }
}
