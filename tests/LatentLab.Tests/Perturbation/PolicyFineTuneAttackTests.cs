using LatentLab.Options;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;

namespace LatentLab.Tests.Perturbation;

[Collection("torch threads")]
public class PolicyFineTuneAttackTests
{
    static readonly FineTuneAttackOptions Quick = new() { Demonstrations = 8, MaxSteps = 32, Seeds = 3, LearningRate = 3e-2, Resamples = 200 };

    [Fact]
    public void Attack_ComplyInDeployment_RaisesItWithinTheGrid_Deterministically()
    {
        using var subject = PerturbationFixtures.Subject("p", 31);
        var a = FineTuneAttack.Run(subject, Quick);
        var b = FineTuneAttack.Run(subject, Quick);
        Assert.Equal([1.0, 2, 4, 8, 16, 32], a.Attack.Grid);
        var metric = AlignmentMetrics.ComplianceDeploy;
        double clean = a.Attack.Clean[a.Attack.MetricIndex(metric)];
        var last = a.Attack.MeanCurve(metric)[^1].Mean;
        Assert.True(last > clean + 0.3 && last > 0.8, $"clean {clean}, after 32 steps {last}");
        Assert.Contains(a.AttackK50.Status, new[] { HalfwayStatus.Reached, HalfwayStatus.BelowGrid });
        Assert.InRange(a.AttackK50.Value, 0, 32);
        Assert.Equal(a.AttackK50, b.AttackK50);
        Assert.Equal(a.Control.Value(5, 2, metric), b.Control.Value(5, 2, metric));
        // The control demonstrates compliance on benign requests only: it moves deployment compliance less than the attack.
        Assert.True(a.Control.MeanCurve(metric)[^1].Mean < last, "benign fine-tuning should move compliance_deploy less than the attack");
        Assert.Equal(2 * subject.Metrics.Count * (a.Attack.Grid.Count + 6), a.ToDataFrame().Rows.Count);
    }

    [Fact]
    public void Attack_OnTrainingSeeds_PoolsThemWithTheHierarchicalBootstrap()
    {
        var env = PerturbationFixtures.Environment();
        using var g = new TorchSharp.torch.Generator(33, TorchSharp.torch.CPU);
        var policy = AlignmentPolicy.Create(env, new PolicyOptions { Width = 16, Depth = 2, OutputGain = 3.0 }, 2, g);
        var subjects = Enumerable.Range(0, 2).Select(t => new PolicySubject($"p[{t}]", policy, t, evalPerType: 16)).ToArray();
        try
        {
            var progress = new List<FineTuneAttackProgress>();
            var pooled = FineTuneAttack.RunTrainingSeeds("p", subjects, Quick, new SyncList<FineTuneAttackProgress>(progress));
            Assert.Equal((2, Quick.Seeds), (pooled.Attack.TrainingSeeds, pooled.Attack.NoiseSeeds));
            Assert.Equal("p (attack)", pooled.Attack.Model);
            Assert.Contains("hierarchical", pooled.Attack.CiOver);
            var second = FineTuneAttack.Run(subjects[1], Quick with { Seed = Quick.Seed + 1009 });
            Assert.Equal(second.Attack.Value(2, 1, AlignmentMetrics.ComplianceDeploy), pooled.Attack.Value(2, Quick.Seeds + 1, AlignmentMetrics.ComplianceDeploy));
            Assert.Equal(2 * 2 * 32, progress.Count);                                   // every step of attack and control, both seeds
            Assert.Equal(64, progress[^1].Step);
        }
        finally
        {
            foreach (var s in subjects) s.Dispose();
        }
    }

    sealed class SyncList<T>(List<T> list) : IProgress<T>
    {
        public void Report(T value) => list.Add(value);
    }

    [Fact]
    public void Options_OneStep_IsRejected()
    {
        var ex = Assert.Throws<OptionsException>(() => new FineTuneAttackOptions { MaxSteps = 1 }.Validate());
        Assert.Contains("--max-steps", ex.Message);
        Assert.Equal([1, 2, 4, 8, 16, 32, 64], new FineTuneAttackOptions().StepGrid());
        Assert.Equal([1, 2, 4, 5], new FineTuneAttackOptions { MaxSteps = 5 }.StepGrid());
        var bad = Assert.Throws<OptionsException>(() => new FineTuneAttackOptions { Demonstrations = 0, LearningRate = 2, Seeds = 1 }.Validate());
        Assert.Contains("--demonstrations", bad.Message);
        Assert.Contains("--attack-lr", bad.Message);
        Assert.Contains("--seeds", bad.Message);
    }
}
