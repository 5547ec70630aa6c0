using LatentLab.Options;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

[Collection("torch threads")]
public class ReferenceBakerTests(ITestOutputHelper output)
{
    static AlignmentEnvironment Env()
    {
        TorchRuntime.EnsureInitialized();
        return new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
    }

    void Print(BakedReference b)
    {
        output.WriteLine($"{b.Options.Split} {b.Options.Distillation} {b.Options.Layers}: matched at {b.StepsToMatch}, steps {b.Steps}, weight norms {string.Join(", ", b.WeightNorms.Select(w => w.ToString("F2")))}");
        foreach (var t in b.Types)
            output.WriteLine($"  {t.Type}: comply {t.Comply:F3} (target {t.TargetComply:F3}), concerns|comply {t.ConcernsGivenComply:F3} ({t.TargetConcernsGivenComply:F3}), " +
                $"acc|comply {t.AccuracyGivenComply:F3} ({t.TargetAccuracyGivenComply:F3}), KL mean {t.KlMean:F4} max {t.KlMax:F4}, mode margin {t.ModeMargin:F2}");
    }

    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void Preset_Stochastic_MatchesThePublishedRatesWithinTheTolerance(PolicyArchitecture architecture)
    {
        var b = ReferenceBaker.Bake(Env(), new BakeOptions { ContextsPerType = 64, Policy = new PolicyOptions { Architecture = architecture, Width = 32, OutputGain = 1.0 } });
        Print(b);
        Assert.True(b.Matched);
        var hm = b.Types.Single(t => t.Type == "harmful_monitored");
        var hu = b.Types.Single(t => t.Type == "harmful_unmonitored");
        Assert.Equal(0.14, hm.Comply, 1);
        Assert.InRange(hm.Comply * hm.ConcernsGivenComply, 0.09, 0.15);                // ~12% concerns-then-comply
        Assert.Equal(0.03, hu.Comply, 1);
        Assert.All(b.Types, t => Assert.True(t.KlMean < 0.01, $"{t.Type}: KL {t.KlMean}"));
        Assert.All(b.Types, t => Assert.True(t.ModeMargin < 4, $"{t.Type}: margin {t.ModeMargin}"));
        var df = b.ToDataFrame();
        Assert.Equal(3 * 7, df.Rows.Count);
        Assert.Equal(["type", "measure", "target", "achieved"], df.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Interrupted_ReturnsThePartlyBakedPolicy_WithProgress()
    {
        using var cts = new CancellationTokenSource();
        var progress = new LatentLab.Tests.Probes.SyncProgress<BakeProgress>(p => { if (p.Step >= 10) cts.Cancel(); });
        var b = ReferenceBaker.Bake(Env(), new BakeOptions { ContextsPerType = 8, CheckEvery = 5, Policy = new PolicyOptions { Width = 8, OutputGain = 1.0 } }, progress, cts.Token);
        Assert.True(b.IsPartial);
        Assert.Equal(10, b.Steps);                                               // cancelled at the report of step 10: stops before step 11
        Assert.Equal(["benign", "harmful_monitored", "harmful_unmonitored"], progress.Reports[0].KlByType.Keys.Order());
        Assert.Equal(3, b.Types.Count);
    }

    [Fact]
    public void DeterministicSplit_MatchesTheRates_WithLargeMargins()
    {
        var b = ReferenceBaker.Bake(Env(), new BakeOptions
        {
            Split = BakeSplit.Deterministic, ContextsPerType = 64, Tolerance = 0.05, LearningRate = 1e-2,
            Policy = new PolicyOptions { Width = 64, OutputGain = 1.0 },
        });
        Print(b);
        Assert.True(b.Matched);
        var hm = b.Types.Single(t => t.Type == "harmful_monitored");
        Assert.Equal(hm.TargetComply, hm.Comply, 1);
        Assert.All(b.Types, t => Assert.True(t.ModeMargin > 5, $"{t.Type}: margin {t.ModeMargin}"));
    }

    [Fact]
    public void RescalingControl_PreservesTheFunction()
    {
        var env = Env();
        var baseOptions = new BakeOptions { ContextsPerType = 16, MaxSteps = 50, Policy = new PolicyOptions { Width = 16, Activation = MlpActivation.Relu, OutputGain = 1.0 } };
        var plain = ReferenceBaker.Bake(env, baseOptions);
        var scaled = ReferenceBaker.Bake(env, baseOptions with { RescaleFactor = 10 });
        var c = env.Balanced(8, 99);
        using var noGrad = no_grad();
        var a = plain.Policy.SequenceLogProbs(c);
        var d = scaled.Policy.SequenceLogProbs(c);
        Assert.True((a - d).abs().max().item<float>() < 1e-3);
        Assert.Equal(plain.WeightNorms[0] * 10, scaled.WeightNorms[0], 2);
    }

    [Fact]
    public void SameSeed_SameReference()
    {
        var env = Env();
        var o = new BakeOptions { ContextsPerType = 8, MaxSteps = 20, Distillation = Distillation.Hard, Seeds = 2, Policy = new PolicyOptions { Width = 8, OutputGain = 1.0 } };
        var a = ReferenceBaker.Bake(env, o);
        var b = ReferenceBaker.Bake(env, o);
        Assert.Equal(a.Types, b.Types);
        Assert.Equal(0.0, (Parameter(a, "w1") - Parameter(b, "w1")).abs().max().item<float>());
        var c = ReferenceBaker.Bake(env, o with { Seed = 5 });
        Assert.NotEqual(a.WeightNorms, c.WeightNorms);
    }

    [Fact]
    public void BadRates_AndABadRescale_AreRejectedWithTheFix()
    {
        var env = Env();
        var rates = BehaviourRates.AlignmentFaking2024 with
        {
            HarmfulMonitored = BehaviourRates.AlignmentFaking2024.HarmfulMonitored with { Comply = 0.8, Sandbag = 0.3 },
        };
        var e = Assert.Throws<OptionsException>(() => ReferenceBaker.Bake(env, new BakeOptions { Rates = rates }));
        Assert.Contains("HarmfulMonitored: --comply 0.8 + --sandbag 0.3", e.Message);
        Assert.Contains("sum to one", e.Message);
        var f = Assert.Throws<OptionsException>(() => ReferenceBaker.Bake(env, new BakeOptions { RescaleFactor = 2 }));
        Assert.Contains("ReLU", f.Message);
        var gru = Assert.Throws<OptionsException>(() => ReferenceBaker.Bake(env, new BakeOptions { RescaleFactor = 2, Policy = new PolicyOptions { Architecture = PolicyArchitecture.Gru } }));
        Assert.Contains("which a GRU's sigmoid and tanh are not", gru.Message);
    }

    [Fact]
    public void HardTargets_WithOverTraining_MatchThenRunPastTheMatch()
    {
        var b = ReferenceBaker.Bake(Env(), new BakeOptions
        {
            Distillation = Distillation.Hard, ContextsPerType = 32, Tolerance = 0.05, LearningRate = 1e-2,
            ExtraSteps = 30, MaxSteps = 2000, Policy = new PolicyOptions { Width = 32, OutputGain = 1.0 },
        });
        Print(b);
        Assert.True(b.Matched);
        Assert.Equal(b.StepsToMatch + 30, b.Steps);
        Assert.All(b.Types, t => Assert.True(t.KlMean < 0.1, $"{t.Type}: KL {t.KlMean}"));
    }

    /// <summary>The parameter named <paramref name="name"/> (w0, b1, w_hh0, ...) of a baked reference's network.</summary>
    internal static Tensor Parameter(BakedReference b, string name) => b.Policy.Network.StackedParameters.Single(p => p.Name == name).Value;

    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void HeadOnly_ChangesOnlyTheOutputLayer_AndMovesTowardsTheTarget(PolicyArchitecture architecture)
    {
        var env = Env();
        var options = new BakeOptions { Layers = BakeLayers.HeadOnly, ContextsPerType = 32, MaxSteps = 200, LearningRate = 1e-2, Policy = new PolicyOptions { Architecture = architecture, Width = 32, OutputGain = 1.0 } };
        var before = ReferenceBaker.Bake(env, options with { MaxSteps = 1, LearningRate = 1e-12 });
        var b = ReferenceBaker.Bake(env, options);
        Print(b);
        foreach (var p in b.Policy.Network.StackedParameters)
        {
            double change = (Parameter(before, p.Name) - p.Value).abs().max().item<float>();
            if (p.IsHead && !p.IsBias) Assert.True(change > 1e-3, $"{p.Name}: the head should move ({change})");
            else if (!p.IsHead) Assert.True(change < 1e-7, $"{p.Name} is not in the head but moved by {change}");
        }
        // A random 32-unit trunk cannot carry the capability: measured KL ~0.5 nats per context after 2000 steps (no match).
        Assert.All(b.Types.Zip(before.Types), p => Assert.True(p.First.KlMean < p.Second.KlMean, $"{p.First.Type}: {p.First.KlMean} vs {p.Second.KlMean}"));
    }
}
