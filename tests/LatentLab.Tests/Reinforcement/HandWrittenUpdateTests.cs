using LatentLab.Reinforcement;
using LatentLab.Reinforcement.Simd;
using LatentLab.Torch;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

/// <summary>
/// The hand-written PPO minibatch and GRPO step (Simd.PpoMinibatch, Simd.GrpoUpdate: the MLPs' forward and backward pass in C#)
/// give the gradient of the torch path's loss (Ppo.MinibatchLoss, Grpo.Loss, autograd) for every parameter, the inference
/// kernel gives torch's forward pass, and whole PPO and GRPO runs give the torch path's numbers to float rounding.
/// </summary>
[Collection("torch threads")]
public class HandWrittenUpdateTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(64, 2, MlpActivation.Tanh, 0.0, 64, true)]    // the defaults' shape
    [InlineData(12, 1, MlpActivation.Relu, 0.01, 40, true)]   // widths off the 16-column blocks, ReLU, an entropy bonus
    [InlineData(24, 3, MlpActivation.Tanh, 0.05, 13, false)]  // 8-column blocks, odd row count, raw advantages
    [InlineData(5, 0, MlpActivation.Tanh, 0.0, 16, true)]     // a linear policy (depth 0), a narrow critic
    public void Gradients_EqualAutograds(int width, int depth, MlpActivation activation, double entropy, int minibatch, bool normalize)
    {
        TorchRuntime.EnsureInitialized();
        Assert.True(StackedMlpKernel.Supported, "this machine has AVX2 + FMA");
        var env = new AlignmentEnvironment(ClosedFormConvergenceTests.EnvOptions, CPU);
        using var g = new Generator(7, CPU);
        const int seeds = 3, batch = 80;
        var policy = AlignmentPolicy.Create(env, new PolicyOptions { Width = width, Depth = depth, Activation = activation, OutputGain = 1.0 }, seeds, g);
        var critic = policy.CreateValueNetwork(width + 3, g);
        var contexts = env.Sample([seeds, batch], g, monitored: true);
        var roll = AlignmentRollout.Sample(policy, policy.Network.Copy(), contexts, g);
        // Old log-probabilities moved off the current ones so that some ratios leave the clip range.
        var oldLogp = roll.LogProbs + 0.3f * randn(roll.LogProbs.shape, generator: g);
        roll = roll with { LogProbs = oldLogp.contiguous() };
        var advantages = randn([seeds, batch, 3], generator: g);
        var returns = randn([seeds, batch, 3], generator: g);
        var o = new PpoOptions { Seeds = seeds, EntropyCoefficient = entropy, NormalizeAdvantages = normalize, Clip = 0.2 };
        var perm = randperm(batch, generator: g, dtype: int64);
        var parameters = policy.Network.parameters().Concat(critic.parameters()).ToList();

        var loss = Ppo.MinibatchLoss(policy, critic, roll, advantages, returns, perm[..minibatch], o);
        loss.backward();
        var expected = parameters.Select(p => p.grad!.clone()).ToList();

        using var fused = PpoMinibatch.TryCreate(policy, critic, batch, minibatch, o);
        Assert.NotNull(fused);
        foreach (var p in parameters) p.grad!.fill_(float.NaN);                          // every element must be written
        fused.Load(roll.Inputs.contiguous(), roll.Actions.contiguous(), roll.LogProbs, advantages, returns);
        fused.Permutation(perm);
        fused.Gradients(0, minibatch);
        for (int i = 0; i < parameters.Count; i++)
        {
            var got = parameters[i].grad!;
            double scale = expected[i].abs().max().item<float>();
            double error = (got - expected[i]).abs().max().item<float>();
            output.WriteLine($"parameter {i}: max |grad| {scale:E2}, max error {error:E2}");
            Assert.False(got.isnan().any().item<bool>(), $"{parameters[i].name}: unwritten gradient elements");
            Assert.True(error <= 1e-4 * scale + 1e-7, $"{parameters[i].name}: max error {error} against max |grad| {scale}");
        }
    }

    [Theory]
    [InlineData(4, 4, 64, 2, MlpActivation.Tanh, 700)]     // more rows than one 256-row block
    [InlineData(1, 5, 12, 1, MlpActivation.Relu, 33)]      // a 1-seed network broadcast over 5 seeds of input
    [InlineData(3, 3, 24, 0, MlpActivation.Tanh, 9)]       // a linear network
    public void InferenceForward_EqualsTorchs(int seeds, int inputSeeds, int width, int depth, MlpActivation activation, int rows)
    {
        TorchRuntime.EnsureInitialized();
        using var g = new Generator(3, CPU);
        var net = BatchedMlp.Create(seeds, 20, width, depth, 4, activation, 1.0, g, CPU);
        var x = randn([inputSeeds, rows, 20], generator: g);
        using var noGrad = no_grad();
        var expected = net.forward(x);
        Tensor got;
        using (StackedMlpKernel.ForInference()) got = net.forward(x.transpose(0, 1).contiguous().transpose(0, 1));   // a strided input too
        double error = (got - expected).abs().max().item<float>();
        output.WriteLine($"max |y| {expected.abs().max().item<float>():F3}, max error {error:E2}");
        Assert.Equal(expected.shape, got.shape);
        Assert.True(error < 1e-5, $"max error {error}");
    }

    [Theory]
    [InlineData(64, 2, MlpActivation.Tanh, GrpoKlPlacement.LossK3)]
    [InlineData(12, 1, MlpActivation.Relu, GrpoKlPlacement.Reward)]
    public void GrpoGradients_EqualAutograds(int width, int depth, MlpActivation activation, GrpoKlPlacement placement)
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(ClosedFormConvergenceTests.EnvOptions, CPU);
        using var g = new Generator(11, CPU);
        const int seeds = 3, batch = 40;
        var policy = AlignmentPolicy.Create(env, new PolicyOptions { Width = width, Depth = depth, Activation = activation, OutputGain = 1.0 }, seeds, g);
        var reference = AlignmentPolicy.Create(env, new PolicyOptions { Width = width, Depth = depth, Activation = activation, OutputGain = 1.0 }, 1, g);
        var roll = AlignmentRollout.Sample(policy, reference.Network, env.Sample([seeds, batch], g, monitored: true), g);
        roll = roll with { LogProbs = (roll.LogProbs + 0.3f * randn(roll.LogProbs.shape, generator: g)).contiguous() };
        var advantage = randn([seeds, batch, 1], generator: g);
        var o = new GrpoOptions { Seeds = seeds, KlPlacement = placement, KlCoefficient = 0.3 };
        var parameters = policy.Network.parameters().ToList();
        Grpo.Loss(policy, roll, advantage, o).backward();
        var expected = parameters.Select(p => p.grad!.clone()).ToList();
        using var fused = GrpoUpdate.TryCreate(policy, batch, o);
        Assert.NotNull(fused);
        foreach (var p in parameters) p.grad!.fill_(float.NaN);
        fused.Gradients(roll.Inputs.contiguous(), roll.Actions.contiguous(), roll.LogProbs, roll.ReferenceLogProbs.contiguous(), advantage);
        for (int i = 0; i < parameters.Count; i++)
        {
            double scale = expected[i].abs().max().item<float>();
            double error = (parameters[i].grad! - expected[i]).abs().max().item<float>();
            output.WriteLine($"parameter {i}: max |grad| {scale:E2}, max error {error:E2}");
            Assert.True(error <= 1e-4 * scale + 1e-7, $"parameter {i}: max error {error} against max |grad| {scale}");
        }
    }

    [Fact]
    public void GrpoRun_MatchesTheTorchPath()
    {
        var (_, reference, contexts) = ClosedFormConvergenceTests.Setup();
        var o = new GrpoOptions { Seeds = 2, Iterations = 8, Prompts = 4, GroupSize = 16, EvalEvery = 4, EvalPerType = 8 };
        var fast = Grpo.Train(reference, o, contexts);
        RlRun slow;
        try
        {
            StackedMlpKernel.Enabled = false;
            slow = Grpo.Train(reference, o, contexts);
        }
        finally { StackedMlpKernel.Enabled = true; }
        double worst = slow.Rows.Zip(fast.Rows).Max(p => Math.Abs(p.First.Value - p.Second.Value));
        output.WriteLine($"largest metric difference after 8 iterations: {worst:E2}");
        Assert.True(worst < 1e-3, $"largest metric difference {worst}");
    }

    [Fact]
    public void PpoRun_MatchesTheTorchPath()
    {
        var (_, reference, contexts) = ClosedFormConvergenceTests.Setup();
        var o = new PpoOptions { Seeds = 2, Iterations = 6, Episodes = 64, EvalEvery = 3, EvalPerType = 8, KlCoefficient = 0.2 };
        var fast = Ppo.Train(reference, o, contexts);
        RlRun slow;
        try
        {
            StackedMlpKernel.Enabled = false;
            slow = Ppo.Train(reference, o, contexts);
        }
        finally { StackedMlpKernel.Enabled = true; }
        Assert.Equal(slow.Rows.Count, fast.Rows.Count);
        double worst = slow.Rows.Zip(fast.Rows).Max(p => Math.Abs(p.First.Value - p.Second.Value));
        output.WriteLine($"largest metric difference after 6 iterations: {worst:E2}");
        Assert.True(worst < 1e-3, $"largest metric difference {worst}");
        Assert.Equal(fast.Rows, Ppo.Train(reference, o, contexts).Rows);                  // the hand-written path is deterministic too
    }
}
