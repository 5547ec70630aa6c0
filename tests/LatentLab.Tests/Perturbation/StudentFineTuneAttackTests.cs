using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Options;
using LatentLab.Perturbation;
using LatentLab.Tests.Probes;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Perturbation;

/// <summary>A tiny student (3 arms, training horizon 12, hidden 8), trained once for the class: 150 steps, about 2 s.</summary>
public sealed class TinyStudentFixture : IDisposable
{
    public TinyStudentFixture()
    {
        TorchRuntime.EnsureInitialized();
        Student = BanditTrainer.Train(new BanditTrainingOptions
        {
            Arms = 3, TrainHorizon = 12, Hidden = 8, HeadHidden = 8, Steps = 150, Batch = 32, Seed = 11, ProgressEvery = 50, MinTrainArms = 2, Threads = 1,
        }, CPU);
    }

    public TrainedStudent Student { get; }

    public StudentSubject Subject(string name = "student") => new(name, Student, episodes: 64, horizon: 24);

    public void Dispose() => Student.Dispose();
}

[Collection("torch threads")]
public class StudentFineTuneAttackTests(TinyStudentFixture fixture) : IClassFixture<TinyStudentFixture>
{
    static readonly FineTuneAttackOptions Quick = new() { Demonstrations = 16, MaxSteps = 32, Seeds = 3, LearningRate = 3e-3, Resamples = 200 };

    [Fact]
    public void FirstArm_DropsAgreementAfterTheHorizon_WithAFiniteK50_TheControlKeepsIt_Deterministically()
    {
        using var subject = fixture.Subject();
        var options = Quick with { Target = FineTuneTarget.FirstArm };
        var a = FineTuneAttack.Run(subject, options);
        var b = FineTuneAttack.Run(subject, options);
        Assert.Equal([1.0, 2, 4, 8, 16, 32], a.Attack.Grid);
        var metric = StudentSubject.AgreementAfter;
        Assert.Equal(metric, a.TargetMetric);
        // Always arm 0 leaves the other arms unpulled, where UCB1 would pull them: the demonstrator never agrees with UCB1.
        Assert.Equal(0, a.TargetValue);
        double clean = a.Attack.Clean[a.Attack.MetricIndex(metric)];
        Assert.True(clean > 0.5, $"the tiny student should mostly agree with UCB1 after the horizon (clean {clean})");
        var attacked = a.Attack.MeanCurve(metric)[^1].Mean;
        Assert.True(attacked < clean / 2, $"after 32 steps towards the first arm agreement should be below half its clean {clean}: {attacked}");
        Assert.Equal(HalfwayStatus.Reached, a.AttackK50.Status);
        Assert.InRange(a.AttackK50.Value, 1, 32);
        Assert.True(a.AttackK50.Low <= a.AttackK50.Value && a.AttackK50.Value <= a.AttackK50.High, a.AttackK50.ToString());
        // UCB1 demonstrations, the student's own behaviour: agreement never falls halfway to the first arm's.
        Assert.Equal(HalfwayStatus.NotReached, a.ControlK50.Status);
        Assert.All(a.Control.MeanCurve(metric), m => Assert.True(m.Mean > (clean + a.TargetValue) / 2, $"control at {m.Mean}"));
        // The same options: the same demonstrations, the same steps, the same numbers.
        FineTuneAttackAssert.SameNumbers(a, b, subject.Metrics, Quick.Seeds);
        // The clean student is not changed by an attack.
        Assert.Equal(a.Attack.Clean, PerturbationSweep.CleanMetrics(subject));
        Assert.Equal(["student (attack)", "student (control)"], new[] { a.Attack.Model, a.Control.Model });
        Assert.Contains("UCB1", a.ControlDescription);
    }

    [Fact]
    public void Greedy_IsTheDefaultTarget_MovesAgreementTowardsGreedysOwn_AndTheTableHasEveryNumber()
    {
        using var subject = fixture.Subject();
        var r = FineTuneAttack.Run(subject, Quick with { LearningRate = 1e-2 });
        Assert.Equal(FineTuneTarget.Greedy, r.Options.Target);
        // Greedy's own agreement with UCB1 after the horizon, on the same episodes (ties at random, from the policy seed).
        using (var greedy = new StudentDemonstrator(FineTuneTarget.Greedy).AsPolicy())
            Assert.Equal(subject.EvaluatePolicy(greedy)[1], r.TargetValue);
        var metric = StudentSubject.AgreementAfter;
        double clean = r.Attack.Clean[r.Attack.MetricIndex(metric)];
        Assert.True(r.TargetValue < clean, $"greedy ({r.TargetValue}) agrees with UCB1 less than the student ({clean})");
        Assert.True(r.Attack.MeanCurve(metric)[^1].Mean < r.Control.MeanCurve(metric)[^1].Mean,
            "32 steps of greedy demonstrations should leave agreement with UCB1 below 32 steps of UCB1 demonstrations");
        Assert.True(r.AttackK50.Status is HalfwayStatus.Reached or HalfwayStatus.BelowGrid, r.AttackK50.ToString());
        var df = r.ToDataFrame();
        int rows = 2 * subject.Metrics.Count * (r.Attack.Grid.Count + 6);
        Assert.Equal(rows, df.Rows.Count);
        var stat = (Microsoft.Data.Analysis.StringDataFrameColumn)df["stat"];
        var metricColumn = (Microsoft.Data.Analysis.StringDataFrameColumn)df["metric"];
        var mean = (Microsoft.Data.Analysis.DoubleDataFrameColumn)df["mean"];
        var demonstrated = Enumerable.Range(0, rows).Where(i => stat[i] == "demonstrated").ToArray();
        Assert.Equal(2, demonstrated.Length);                                             // the target metric's level, in attack and control
        Assert.All(demonstrated, i => Assert.Equal(metric, metricColumn[i]));
        Assert.All(demonstrated, i => Assert.Equal(r.TargetValue, mean[i]!.Value));
        Assert.Equal(2 * (subject.Metrics.Count - 1), Enumerable.Range(0, rows).Count(i => stat[i] == "chance"));
    }

    [Fact]
    public void Interrupted_KeepsTheStepCountsBothRunsReached_MarkedPartial()
    {
        using var subject = fixture.Subject();
        using var cts = new CancellationTokenSource();
        // Cancel once both runs have taken their 5th step: k = 1, 2, 4 are evaluated, k = 8 never is.
        var progress = new SyncProgress<FineTuneAttackProgress>(p => { if (p.Step == 10) cts.Cancel(); });
        var r = FineTuneAttack.Run(subject, Quick with { Target = FineTuneTarget.FirstArm }, progress, cts.Token);
        Assert.True(r.Attack.IsPartial && r.Control.IsPartial);
        Assert.Equal([1.0, 2, 4], r.Attack.Grid);
        Assert.Equal([1.0, 2, 4], r.Control.Grid);
        Assert.Equal(10, progress.Reports.Count);
        Assert.Equal(["attack", "control"], progress.Reports.Take(2).Select(p => p.Phase).ToArray());
        Assert.Equal(64, progress.Reports[0].Steps);
        Assert.Equal(2 * subject.Metrics.Count * (3 + 6), r.ToDataFrame().Rows.Count);
        // The numbers kept are those of the uninterrupted run.
        var full = FineTuneAttack.Run(subject, Quick with { Target = FineTuneTarget.FirstArm, MaxSteps = 4 });
        Assert.Equal(full.Attack.Values(2, StudentSubject.AgreementAfter), r.Attack.Values(2, StudentSubject.AgreementAfter));
    }

    [Fact]
    public void ATargetOfAnotherKindOfNetwork_IsRejected_NamingTheValidOnes()
    {
        using var student = fixture.Subject("s");
        var ex = Assert.Throws<OptionsException>(() => FineTuneAttack.Run(student, Quick with { Target = FineTuneTarget.ComplyInDeployment }));
        Assert.Contains("--target comply-in-deployment does not apply to 's', a bandit student", ex.Message);
        Assert.Contains("greedy or first-arm", ex.Message);
        using var policy = PerturbationFixtures.Subject("p", 5);
        var wrong = Assert.Throws<OptionsException>(() => FineTuneAttack.Run(policy, Quick with { Target = FineTuneTarget.Greedy }));
        Assert.Contains("an RL lab policy: use comply-in-deployment or refuse-in-training", wrong.Message);
        Assert.Equal(FineTuneTarget.ComplyInDeployment, FineTuneAttack.ResolveTarget(policy, new FineTuneAttackOptions()));
        // Without --attack-lr: the student's final training rate (a tenth of its --lr), a policy's 0.01.
        Assert.Equal(0.1 * fixture.Student.Options.LearningRate, student.DefaultLearningRate, 15);
        Assert.Equal(0.01, policy.DefaultLearningRate);
        Assert.Throws<ArgumentException>(() => new StudentDemonstrator(FineTuneTarget.RefuseInTraining));
    }

    [Fact]
    public void Demonstrations_FollowTheDemonstrator_OverTheTrainingHorizon()
    {
        var spec = new BanditSpec(3);
        using var scope = NewDisposeScope();
        var (firstActions, _, firstLabels, firstIndex) = new StudentDemonstrator(FineTuneTarget.FirstArm).Record(spec, 8, 12, 7, CPU);
        Assert.Equal([8L, 12], firstActions.shape);
        Assert.Equal(0, firstActions.abs().sum().item<long>());                               // always arm 0
        Assert.Equal(8 * 12, firstLabels.select(-1, 0).sum().item<float>());
        Assert.Null(firstIndex);
        var (actions, rewards, labels, index) = new StudentDemonstrator(FineTuneTarget.Greedy).Record(spec, 8, 12, 7, CPU);
        Assert.Equal([8L, 12, 3], labels.shape);
        Assert.Equal([8L, 12, 3], index!.shape);
        // Every arm once first (in some order), then only arms with the best empirical mean so far.
        for (int b = 0; b < 8; b++)
        {
            var a = actions[b].data<long>().ToArray();
            var r = rewards[b].data<float>().ToArray();
            Assert.Equal([0L, 1, 2], a.Take(3).Order().ToArray());
            for (int t = 3; t < 12; t++)
            {
                var means = Enumerable.Range(0, 3).Select(k => Enumerable.Range(0, t).Where(s => a[s] == k).Average(s => (double)r[s])).ToArray();
                Assert.True(means[a[t]] >= means.Max() - 1e-9, $"episode {b}, step {t}: pulled arm {a[t]} with mean {means[a[t]]}, best {means.Max()}");
            }
        }
        // The same seed, the same demonstrations.
        var (again, _, _, _) = new StudentDemonstrator(FineTuneTarget.Greedy).Record(spec, 8, 12, 7, CPU);
        Assert.True(again.eq(actions).all().item<bool>());
    }
}
