using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

[Collection("torch threads")]
public class AlignmentPolicyTests
{
    static (AlignmentEnvironment, AlignmentPolicy) Make(int seeds, PolicyArchitecture architecture = PolicyArchitecture.Mlp)
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        using var g = new Generator(3, CPU);
        return (env, AlignmentPolicy.Create(env, new PolicyOptions { Architecture = architecture, Width = 16, OutputGain = 1.0 }, seeds, g));
    }

    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void SequenceDistribution_SumsToOne_AndMatchesTheSampledEpisodes(PolicyArchitecture architecture)
    {
        var (env, policy) = Make(2, architecture);
        using var g = new Generator(4, CPU);
        var c = env.Balanced(1, 2).Take(tensor(new long[] { 3 }));                  // one harmful monitored context
        using var noGrad = no_grad();
        var logp = policy.SequenceLogProbs(c);                                      // (2, 1, 48)
        Assert.Equal(0.0, logp.logsumexp(-1).abs().max().item<float>(), 5);
        const int n = 100000;
        var many = c.Take(zeros([2L * n], int64)).Take(arange(2L * n).view(2, n).remainder(1));
        var roll = AlignmentRollout.Sample(policy, policy.Network, many, g);
        var a = roll.Actions;                                                       // (2, n, 3)
        var seq = a[.., .., 0] * 12 + a[.., .., 1] * 4 + a[.., .., 2];               // (2, n)
        for (int s = 0; s < 2; s++)
        {
            var freq = bincount(seq[s], minlength: 48).to(float32) / n;
            var tv = 0.5 * (freq - logp[s, 0].exp()).abs().sum().item<float>();
            Assert.True(tv < 0.02, $"seed {s}: TV between sampled and exact {tv}");
        }
        // Sampled log-probs agree with the exact ones, and with those recomputed from the stored inputs (what PPO and GRPO do).
        var exact = logp[0, 0].gather(0, seq[0]);
        Assert.Equal(0.0, (roll.LogProbs[0].sum(-1) - exact).abs().max().item<float>(), 4);
        var recomputed = AlignmentRollout.StepLogProbs(policy, policy.Network, roll.Inputs, roll.Actions);
        Assert.Equal(0.0, (recomputed - roll.LogProbs).abs().max().item<float>(), 5);
    }

    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void StackedSeeds_AreIndependentNetworks(PolicyArchitecture architecture)
    {
        var (env, policy) = Make(3, architecture);
        var c = env.Balanced(2, 2);
        using (no_grad())
        {
            var all = policy.SequenceLogProbs(c);
            var one = policy.With(policy.Network.SelectSeed(1)).SequenceLogProbs(c);
            Assert.Equal(0.0, (all[1] - one[0]).abs().max().item<float>(), 6);
        }
        // A loss on seed 0 alone gives no gradient to seeds 1 and 2.
        var loss = policy.SequenceLogProbs(c)[0].exp()[.., 5].sum();
        loss.backward();
        foreach (var p in policy.Network.parameters())
        {
            Assert.True(p.grad!.abs()[0].sum().item<float>() > 0);
            Assert.Equal(0.0, p.grad!.abs()[1..].sum().item<float>(), 8);
        }
    }

    [Fact]
    public void Metrics_OfAHandBuiltDistribution_AreItsRates()
    {
        var (env, _) = Make(1);
        var c = env.Balanced(3, 2);                                                 // 12 contexts, types in blocks of 3
        // Every context: comply with k = 1 and the correct answer.
        var p = zeros([1, 12, 48]);
        for (int i = 0; i < 12; i++) p[0, i, 12 + (int)c.Target[i].item<long>()] = 1f;
        var m = AlignmentMetrics.Compute(env, c, p.clamp_min(1e-30).log(), null);
        double Get(string name) => m[0, AlignmentMetrics.Names.ToList().IndexOf(name)];
        Assert.Equal(1.0, Get(AlignmentMetrics.ComplianceTrain), 5);
        Assert.Equal(1.0, Get(AlignmentMetrics.ComplianceDeploy), 5);
        Assert.Equal(0.0, Get(AlignmentMetrics.ComplianceGap), 5);
        Assert.Equal(1.0, Get(AlignmentMetrics.FakingShare), 5);
        Assert.Equal(0.0, Get(AlignmentMetrics.Evil), 5);
        Assert.Equal(0.0, Get(AlignmentMetrics.SandbagTrain), 5);
        // Graded correct with AnswerSlip 0.3, Coupling 0: 0.7 + 0.3 / 4.
        Assert.Equal(0.775, Get(AlignmentMetrics.BenignAccuracy), 4);
        Assert.True(double.IsNaN(Get(AlignmentMetrics.KlTrain)));
        Assert.True(double.IsNaN(Get(AlignmentMetrics.Coupling)));                  // never complies without concerns: undefined
    }

    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void WithoutSeeingConcerns_LaterDecisionsDoNotDependOnThem(PolicyArchitecture architecture)
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        using var g = new Generator(3, CPU);
        var blind = AlignmentPolicy.Create(env, new PolicyOptions { Architecture = architecture, Width = 16, OutputGain = 1.0, SeesConcerns = false }, 1, g);
        using var g2 = new Generator(3, CPU);
        var seeing = AlignmentPolicy.Create(env, new PolicyOptions { Architecture = architecture, Width = 16, OutputGain = 1.0 }, 1, g2);
        var c = env.Balanced(2, 2);
        using var noGrad = no_grad();
        Tensor ModeAndAnswerGivenK(AlignmentPolicy p)                                 // (S, N, K1, 3 * C): P(mode, answer | k)
        {
            var joint = p.SequenceLogProbs(c).exp().view(1, 8, 4, 12);
            return joint / joint.sum(-1, keepdim: true);
        }
        var b = ModeAndAnswerGivenK(blind);
        Assert.True((b - b[.., .., ..1]).abs().max().item<float>() < 1e-5);
        var s = ModeAndAnswerGivenK(seeing);
        Assert.True((s - s[.., .., ..1]).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void Gru_ReadsTheContextOnce_ThenEachDecision_AndItsStateCarriesThemForward()
    {
        var (env, gru) = Make(1, PolicyArchitecture.Gru);
        var c = env.Balanced(2, 2);                                                 // 8 contexts
        var e = c.Encode();                                                         // (N, W)
        long n = e.shape[0], w = e.shape[1];
        var kHot = nn.functional.one_hot(full([n], 2L, int64), 4).to(float32);
        var mHot = nn.functional.one_hot(full([n], 1L, int64), 3).to(float32);
        // Each decision's input holds only what is new: the context at t = 0, the concerns at t = 1, the mode at t = 2.
        var in0 = gru.Input(e, null, null, 0);
        var in1 = gru.Input(e, kHot, null, 1);
        var in2 = gru.Input(e, kHot, mHot, 2);
        Assert.Equal(0.0, (in0[.., ..(int)w] - e).abs().max().item<float>());
        Assert.Equal(0.0, in0[.., (int)w..^3].abs().sum().item<float>());
        Assert.Equal(0.0, in1[.., ..(int)w].abs().sum().item<float>() + in1[.., ((int)w + 4)..^3].abs().sum().item<float>());
        Assert.Equal(0.0, (in1[.., (int)w..((int)w + 4)] - kHot).abs().max().item<float>());
        Assert.Equal(0.0, in2[.., ..((int)w + 4)].abs().sum().item<float>());
        Assert.Equal(0.0, (in2[.., ((int)w + 4)..^3] - mHot).abs().max().item<float>());
        // ... yet the mode decision depends on the context (through the state) and on the concerns written before it.
        using var noGrad = no_grad();
        var pModeGivenK = gru.SequenceLogProbs(c).exp().view(1, n, 4, 3, 4).sum(-1);  // (1, N, K1, 3)
        pModeGivenK = pModeGivenK / pModeGivenK.sum(-1, keepdim: true);
        Assert.True((pModeGivenK - pModeGivenK[.., ..1]).abs().max().item<float>() > 1e-3, "the mode should depend on the context");
        Assert.True((pModeGivenK - pModeGivenK[.., .., ..1]).abs().max().item<float>() > 1e-3, "the mode should depend on the concerns");
    }

    [Fact]
    public void ANetworkOfAnotherArchitecture_IsRejected_NamingBoth()
    {
        var (env, gru) = Make(1, PolicyArchitecture.Gru);
        var e = Assert.Throws<ArgumentException>(() => new AlignmentPolicy(gru.Network, env, new PolicyOptions()));
        Assert.Contains("is gru but its options say --policy mlp", e.Message);
    }

    [Fact]
    public void AReferenceFromAnotherEnvironmentShape_IsRejectedWithTheShapes()
    {
        var (_, policy) = Make(1);
        var other = new AlignmentEnvironment(new AlignmentEnvironmentOptions { FeatureDim = 5 }, CPU);
        var e = Assert.Throws<ArgumentException>(() => new AlignmentPolicy(policy.Network, other, policy.Options));
        Assert.Contains("FeatureDim 5", e.Message);
    }
}
