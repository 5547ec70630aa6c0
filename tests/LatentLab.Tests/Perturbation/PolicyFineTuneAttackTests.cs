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
        var a = PolicyFineTuneAttack.Run(subject, Quick);
        var b = PolicyFineTuneAttack.Run(subject, Quick);
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
    public void Options_OneStep_IsRejected()
    {
        var ex = Assert.Throws<OptionsException>(() => new FineTuneAttackOptions { MaxSteps = 1 }.Validate());
        Assert.Contains("--max-steps", ex.Message);
        Assert.Equal([1, 2, 4, 8, 16, 32, 64], new FineTuneAttackOptions().StepGrid());
        Assert.Equal([1, 2, 4, 5], new FineTuneAttackOptions { MaxSteps = 5 }.StepGrid());
    }
}
