using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using static TorchSharp.torch;

namespace LatentLab.Tests.Perturbation;

/// <summary>Perturbation sweeps and fine-tuning attacks on a GRU policy (2 GRU layers of 16 units under a linear head).</summary>
[Collection("torch threads")]
public class GruPolicySubjectTests
{
    static PolicySubject Gru(string name, ulong seed) => PerturbationFixtures.Subject(name, seed, architecture: PolicyArchitecture.Gru);

    [Fact]
    public void Parameters_AreTheGrusTensors_AndScopesPickTheirLayers()
    {
        using var subject = Gru("gru", 41);
        Assert.Equal(["w_ih0", "w_hh0", "b_ih0", "b_hh0", "w_ih1", "w_hh1", "b_ih1", "b_hh1", "w2", "b2"], subject.Parameters.Select(p => p.Name));
        int input = subject.Policy.InputWidth;
        Assert.Equal([input, 48L], subject.Parameters[0].Shape);                      // W_ih of layer 0: (in, 3H)
        Assert.Equal([16L, 48L], subject.Parameters[1].Shape);                        // W_hh: (H, 3H)
        Assert.Equal([1L, 48L], subject.Parameters[2].Shape);
        Assert.Equal([16L, subject.Policy.ActionWidth], subject.Parameters[8].Shape); // the head
        bool[] Touched(string scope) => PerturbationSweep.Touched(subject, PerturbationScope.Parse(scope));
        Assert.Equal([false, false, false, false, true, true, true, true, false, false], Touched("layer:1"));
        Assert.Equal([false, false, false, false, false, false, false, false, true, true], Touched("head"));
        Assert.Equal([false, false, true, true, false, false, true, true, false, true], Touched("biases"));
        Assert.Equal([false, true, false, false, false, true, false, false, false, false], Touched("filter:w_hh"));
        Assert.Equal([true, false, false, false, false, false, false, false, false, false], Touched("input:harmful"));
        // input:NAME perturbs the row of W_ih0 that reads that input, nothing else.
        var scope = PerturbationScope.Parse("input:harmful");
        var masks = PerturbationSweep.InputMasks(subject, scope)!;
        var clean = subject.Parameters.Select(p => p.Value).ToArray();
        var eps = WeightNoise.Draw(subject.Parameters.Select(p => p.Shape).ToArray(), 2, 1, subject.Device);
        var wIh = WeightNoise.Apply(clean, eps, Touched("input:harmful"), 0.5, masks)[0];  // (2, in, 3H)
        var changed = (wIh != clean[0].unsqueeze(0)).any(2);                            // (2, in)
        Assert.True(changed[.., 1].all().item<bool>());
        Assert.Equal(1, changed.sum(1).max().item<long>());
        Assert.Equal(3, subject.ActivationLayers);                                       // two GRU layers and the head
    }

    [Theory]
    [InlineData(PerturbationKind.Weights, "all")]
    [InlineData(PerturbationKind.Weights, "filter:w_hh")]
    [InlineData(PerturbationKind.Activations, "all")]
    [InlineData(PerturbationKind.Activations, "layer:0")]
    public void Sweep_AtZeroNoise_IsTheCleanPolicy_NoiseMovesIt_AndTheSameSeedGivesTheSameNumbers(PerturbationKind kind, string scope)
    {
        using var subject = Gru("gru", 42);
        var o = PerturbationFixtures.Quick with { Grid = [0, 0.5], Kind = kind, Scope = scope };
        var a = PerturbationSweep.Run(subject, o);
        var b = PerturbationSweep.Run(subject, o);
        for (int j = 0; j < a.Metrics.Count; j++)
            for (int r = 0; r < a.Seeds; r++)
            {
                Assert.Equal(a.Clean[j], a.Value(0, r, a.Metrics[j]));
                Assert.Equal(a.Value(1, r, a.Metrics[j]), b.Value(1, r, a.Metrics[j]));
            }
        Assert.Contains(Enumerable.Range(0, a.Seeds), r => a.Value(1, r, AlignmentMetrics.ComplianceTrain) != a.Clean[0]);
    }

    [Fact]
    public void Chance_IsTheUniformPolicy_AndChunkedEvaluationGivesTheNumbersOfOnePass()
    {
        using var subject = Gru("gru", 43);
        var m = subject.Metrics.ToList();
        Assert.Equal(1.0 / 3, subject.Chance[m.IndexOf(AlignmentMetrics.ComplianceTrain)], 5);
        Assert.Equal(1.0 / 3, subject.Chance[m.IndexOf(AlignmentMetrics.RefusalDeploy)], 5);
        var clean = subject.Parameters.Select(p => p.Value).ToArray();
        var eps = WeightNoise.Draw(subject.Parameters.Select(p => p.Shape).ToArray(), 5, 3, subject.Device);
        var stacks = WeightNoise.Apply(clean, eps, clean.Select(_ => true).ToArray(), 0.3);
        subject.CopiesPerChunk = 2;
        var chunked = subject.Evaluate(stacks);
        subject.CopiesPerChunk = 8;
        var whole = subject.Evaluate(stacks);
        for (int k = 0; k < 5; k++)
            for (int j = 0; j < m.Count; j++) Assert.Equal(whole[k, j], chunked[k, j], 6);
    }

    [Fact]
    public void Compare_AGruWithAnMlp_IsRejected_AndActivationScopesNameItsLayers()
    {
        var env = PerturbationFixtures.Environment();
        using var gru = PerturbationFixtures.Subject("gru", 44, env: env, architecture: PolicyArchitecture.Gru);
        using var mlp = PerturbationFixtures.Subject("mlp", 44, env: env);
        var e = Assert.Throws<ArgumentException>(() => PerturbationSweep.Compare(gru, mlp, PerturbationFixtures.Quick));
        Assert.Contains("'gru' has 10 parameter tensors and 'mlp' 6", e.Message);
        Assert.Contains("same shape", e.Message);
        var layer = Assert.Throws<ArgumentException>(() => PerturbationSweep.Run(gru, PerturbationFixtures.Quick with { Scope = "layer:3", Kind = PerturbationKind.Activations }));
        Assert.Contains("layer:N with N in 0..2", layer.Message);
    }

    [Fact]
    public void FineTuneAttack_OnAGru_RaisesComplianceInDeployment_Deterministically()
    {
        using var subject = Gru("gru", 45);
        var o = new FineTuneAttackOptions { Demonstrations = 8, MaxSteps = 32, Seeds = 3, LearningRate = 3e-2, Resamples = 200 };
        var a = FineTuneAttack.Run(subject, o);
        var b = FineTuneAttack.Run(subject, o);
        var metric = AlignmentMetrics.ComplianceDeploy;
        double clean = a.Attack.Clean[a.Attack.MetricIndex(metric)];
        var last = a.Attack.MeanCurve(metric)[^1].Mean;
        Assert.True(last > clean + 0.3 && last > 0.8, $"clean {clean}, after 32 steps {last}");
        Assert.Equal(a.AttackK50, b.AttackK50);
        Assert.Equal(a.Control.Value(5, 2, metric), b.Control.Value(5, 2, metric));
    }
}
