using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

/// <summary>
/// The stacked-seed GRU (<see cref="BatchedGru"/>): S seeds in one batched computation equal S separate runs of TorchSharp's own
/// nn.GRU (libtorch's cell) with the same weights, and equal their own 1-seed slices.
/// </summary>
[Collection("torch threads")]
public class BatchedGruTests
{
    const int Seeds = 3, Input = 5, Hidden = 7, Layers = 2, Output = 4, Rows = 6, Steps = 3;

    /// <summary>A random GRU with non-zero biases (the fresh ones are zero, which would leave the bias paths untested).</summary>
    static BatchedGru Random(int seeds = Seeds)
    {
        TorchRuntime.EnsureInitialized();
        using var g = new Generator(17, CPU);
        var gru = BatchedGru.Create(seeds, Input, Hidden, Layers, Output, 1.0, g, CPU);
        using var noGrad = no_grad();
        foreach (var p in gru.StackedParameters.Where(p => p.IsBias)) p.Value.copy_(randn(p.Value.shape, generator: g) * 0.5);
        return gru;
    }

    static Tensor Inputs(int seeds = Seeds)
    {
        using var g = new Generator(23, CPU);
        return randn([seeds, Rows, Steps, Input], generator: g);                     // (S, N, T, in)
    }

    [Fact]
    public void Logits_EqualTorchsGru_WithTheSameWeights_SeedBySeed()
    {
        using var gru = Random();
        var x = Inputs();
        using var noGrad = no_grad();
        var batched = gru.Logits(x);                                                 // (S, N, T, out)
        Tensor P(string name) => gru.StackedParameters.Single(p => p.Name == name).Value;
        for (int s = 0; s < Seeds; s++)
        {
            using var torchGru = TorchRuntime.WithGlobalGenerator(null, () => nn.GRU(Input, Hidden, numLayers: Layers, batchFirst: true));   // the gate: its draws race no seeded build
            var named = torchGru.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            for (int l = 0; l < Layers; l++)
            {
                // torch stores (3H, in) and (3H) with the gates in the order r, z, n: ours are (in, 3H) per seed, same order.
                named[$"weight_ih_l{l}"].copy_(P($"w_ih{l}")[s].t());
                named[$"weight_hh_l{l}"].copy_(P($"w_hh{l}")[s].t());
                named[$"bias_ih_l{l}"].copy_(P($"b_ih{l}")[s, 0]);
                named[$"bias_hh_l{l}"].copy_(P($"b_hh{l}")[s, 0]);
            }
            var (top, _) = torchGru.forward(x[s], null);                              // (N, T, H): the top layer's h at every step
            var expected = top.matmul(P($"w{Layers}")[s]) + P($"b{Layers}")[s];      // (N, T, out)
            Assert.True((batched[s] - expected).abs().max().item<float>() < 1e-5, $"seed {s}: the batched GRU differs from torch's nn.GRU");
        }
    }

    [Fact]
    public void Logits_OfTheBatch_AreEachSeedsOwnNetwork_AndStepsChainToTheSameLogits()
    {
        using var gru = Random();
        var x = Inputs();
        using var noGrad = no_grad();
        var batched = gru.Logits(x);
        for (int s = 0; s < Seeds; s++)
        {
            using var one = gru.SelectSeed(s);
            Assert.Equal(0.0, (one.Logits(x[s..(s + 1)]) - batched[s..(s + 1)]).abs().max().item<float>(), 6);
        }
        // One decision at a time, carrying the state, gives the whole-episode logits; the state is every layer's h.
        Tensor? state = null;
        for (int t = 0; t < Steps; t++)
        {
            (var logits, state) = gru.Step(x.select(2, t), state);
            Assert.Equal(0.0, (logits - batched.select(2, t)).abs().max().item<float>(), 6);
            Assert.Equal([Seeds, Rows, Layers * Hidden], state!.shape);
        }
        // A 1-seed network broadcasts over stacked inputs: every input row goes through the same weights.
        using var first = gru.SelectSeed(0);
        var broadcast = first.Logits(x);
        Assert.Equal(0.0, (broadcast[2] - first.Logits(x[2..3])[0]).abs().max().item<float>(), 6);
    }

    [Fact]
    public void Gradients_StayWithTheirSeed_AndReplicateCopiesEverySeed()
    {
        using var gru = Random();
        var loss = gru.Logits(Inputs())[1].pow(2).sum();                             // seed 1 only
        loss.backward();
        foreach (var p in gru.StackedParameters)
        {
            Assert.True(p.Value.grad!.abs()[1].sum().item<float>() > 0, $"{p.Name}: seed 1 should get a gradient");
            Assert.Equal(0.0, p.Value.grad!.abs()[0].sum().item<float>() + p.Value.grad!.abs()[2].sum().item<float>(), 8);
        }
        using var replicated = gru.Replicate(2);
        Assert.Equal(2 * Seeds, replicated.Seeds);
        using var noGrad = no_grad();
        var x = Inputs(2 * Seeds);
        var r = replicated.Logits(x);
        using var seed2 = gru.SelectSeed(2);
        Assert.Equal(0.0, (r[5] - seed2.Logits(x[5..6])[0]).abs().max().item<float>(), 6); // copies 4, 5 are seed 2
    }

    [Fact]
    public void FromTensors_WrongShapes_NameTheTensorAndTheShapeItNeeds()
    {
        using var gru = Random();
        var stacks = gru.StackedParameters.Select(p => p.Value.detach().clone()).ToList();
        stacks[1] = zeros(Seeds, Hidden + 1, 3 * Hidden);
        var e = Assert.Throws<ArgumentException>(() => BatchedGru.FromTensors(stacks));
        Assert.Contains("GRU tensor 1 has shape (3, 8, 21)", e.Message);
        Assert.Contains("needs (3, 7, 21)", e.Message);
        Assert.Throws<ArgumentException>(() => BatchedGru.FromTensors(stacks.Take(5).ToList()));
    }
}
