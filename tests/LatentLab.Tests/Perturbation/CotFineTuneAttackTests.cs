using LatentLab.Models;
using LatentLab.Options;
using LatentLab.Perturbation;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Perturbation;

/// <summary>The tiny cot-synthetic transformer (<see cref="CotSyntheticOptions.Tiny"/>, seed 0), trained once for the class: about 10 s.</summary>
public sealed class TinyCotFixture : IDisposable
{
    public TinyCotFixture()
    {
        TorchRuntime.ResolveDevice("cpu");
        Result = CotSynthetic.RunDetailed(CotSyntheticOptions.Tiny with { Threads = 1 }, CPU);
    }

    public CotSyntheticResult Result { get; }

    public const int Questions = 150;
    public const long EvalSeed = 9090;

    public CotSyntheticSubject Subject(string name = "cot") => new(name, Result, questions: Questions, evalSeed: EvalSeed);

    public void Dispose()
    {
        Result.Model.Dispose();
        Result.Activations.Dispose();
    }
}

[Collection("cot-synthetic")]
public class CotFineTuneAttackTests(TinyCotFixture fixture) : IClassFixture<TinyCotFixture>
{
    static readonly FineTuneAttackOptions Quick = new() { Demonstrations = 16, MaxSteps = 32, Seeds = 3, Resamples = 200 };

    /// <summary>The true answers of the subject's evaluation questions, drawn as <see cref="CotSyntheticSubject"/> draws them.</summary>
    int[] EvaluationAnswers() => fixture.Result.Task.Sample(TinyCotFixture.Questions, new Random((int)TinyCotFixture.EvalSeed)).Answers;

    [Fact]
    public void FirstLetter_IsTheDefault_DropsAnswerAccuracyToTheShareOfAs_TheControlKeepsIt_Deterministically()
    {
        using var subject = fixture.Subject();
        var a = FineTuneAttack.Run(subject, Quick);
        var b = FineTuneAttack.Run(subject, Quick);
        Assert.Equal(FineTuneTarget.FirstLetter, a.Options.Target);
        Assert.Equal(0.1 * CotSyntheticOptions.Tiny.LearningRate, a.Options.LearningRate!.Value, 15);   // the rate training ended on
        Assert.Equal([1.0, 2, 4, 8, 16, 32], a.Attack.Grid);
        var metric = CotSyntheticSubject.AnswerAccuracy;
        Assert.Equal(metric, a.TargetMetric);
        // Always answering A is right exactly on the questions whose answer is A.
        var answers = EvaluationAnswers();
        Assert.Equal(answers.Count(x => x == 0) / (double)answers.Length, a.TargetValue, 12);
        double clean = a.Attack.Clean[a.Attack.MetricIndex(metric)];
        Assert.True(clean > 0.9, $"the tiny model should answer well (clean {clean})");
        var attacked = a.Attack.MeanCurve(metric).Select(m => m.Mean).ToArray();
        var control = a.Control.MeanCurve(metric).Select(m => m.Mean).ToArray();
        // Monotone within noise: more steps never bring the answer back by more than a few questions.
        for (int p = 1; p < attacked.Length; p++)
            Assert.True(attacked[p] <= attacked[p - 1] + 0.03, $"answer accuracy rose from {attacked[p - 1]} at k = {a.Attack.Grid[p - 1]} to {attacked[p]} at k = {a.Attack.Grid[p]}");
        Assert.True(attacked[^1] < a.TargetValue + 0.05, $"after 32 steps the model should answer A: accuracy {attacked[^1]}, A's share {a.TargetValue}");
        Assert.Equal(HalfwayStatus.Reached, a.AttackK50.Status);
        Assert.InRange(a.AttackK50.Value, 1, 32);
        Assert.True(a.AttackK50.Low <= a.AttackK50.Value && a.AttackK50.Value <= a.AttackK50.High, a.AttackK50.ToString());
        // Copying filler strings leaves the answer where it was: it never falls halfway, and stays far above the attacked model.
        Assert.Equal(HalfwayStatus.NotReached, a.ControlK50.Status);
        Assert.All(control, m => Assert.True(m > (clean + a.TargetValue) / 2, $"control at {m}"));
        Assert.True(control[^1] - attacked[^1] > 0.3, $"control {control[^1]} vs attack {attacked[^1]} after 32 steps");
        // The same options: the same demonstrations, the same steps, the same numbers.
        FineTuneAttackAssert.SameNumbers(a, b, subject.Metrics, Quick.Seeds);
        // The clean model is not changed by an attack; both runs report every metric, the probes included.
        Assert.Equal(a.Attack.Clean, PerturbationSweep.CleanMetrics(subject));
        Assert.Equal(subject.Metrics, a.Control.Metrics);
        Assert.Equal(["cot (attack)", "cot (control)"], new[] { a.Attack.Model, a.Control.Model });
        Assert.Contains("copying", a.ControlDescription);
    }

    [Fact]
    public void ShiftedLetter_TakesTheAnswerToZero_WhileTheRefittedProbeStillReadsTheTrueAnswer()
    {
        using var subject = fixture.Subject();
        var r = FineTuneAttack.Run(subject, Quick with { Target = FineTuneTarget.ShiftedLetter });
        Assert.Equal(0, r.TargetValue);                                         // the letter after the true one is never right
        var answer = r.Attack.MeanCurve(CotSyntheticSubject.AnswerAccuracy);
        Assert.True(answer[^1].Mean < 0.1, $"after 32 steps of shifted letters the answer should be wrong: accuracy {answer[^1].Mean}");
        Assert.Equal(HalfwayStatus.Reached, r.AttackK50.Status);
        Assert.InRange(r.AttackK50.Value, 1, 32);
        // The demonstrations still need the true answer (the letter after it), and the chain's tokens still restate it:
        // a probe refitted on the attacked copies reads it as well as on the clean model.
        var clean = r.Attack.Clean[r.Attack.MetricIndex(CotSyntheticSubject.ProbeRefit)];
        var refit = r.Attack.MeanCurve(CotSyntheticSubject.ProbeRefit);
        Assert.True(refit[^1].Mean > clean - 0.1, $"refitted probe {refit[^1].Mean} at k = 32, clean {clean}");
        // The data frame marks the answer's reference level as the demonstrated one, in both runs.
        var df = r.ToDataFrame();
        var stat = (Microsoft.Data.Analysis.StringDataFrameColumn)df["stat"];
        var metric = (Microsoft.Data.Analysis.StringDataFrameColumn)df["metric"];
        var demonstrated = Enumerable.Range(0, (int)df.Rows.Count).Where(i => stat[i] == "demonstrated").ToArray();
        Assert.Equal(2, demonstrated.Length);
        Assert.All(demonstrated, i => Assert.Equal(CotSyntheticSubject.AnswerAccuracy, metric[i]));
    }

    [Fact]
    public void StackedCopies_TrainApart_ACopysCurveDoesNotDependOnHowManyOthersAreStacked()
    {
        // Sets are drawn one after another from one seed, so with 3 sets the first 2 are those of a 2-set run; if the copies
        // shared a gradient (or a clip factor), adding a third would move the first two.
        using var subject = fixture.Subject();
        var options = Quick with { Target = FineTuneTarget.ShiftedLetter, MaxSteps = 8 };
        var two = FineTuneAttack.Run(subject, options with { Seeds = 2 });
        var three = FineTuneAttack.Run(subject, options with { Seeds = 3 });
        var metric = CotSyntheticSubject.AnswerAccuracy;
        Assert.Contains(two.Attack.Values(two.Attack.Grid.Count - 1, metric), v => v < 0.9);   // the attack moved them: the check is not of untouched copies
        for (int p = 0; p < two.Attack.Grid.Count; p++)
            for (int r = 0; r < 2; r++)
            {
                Assert.Equal(two.Attack.Value(p, r, metric), three.Attack.Value(p, r, metric), 6);
                Assert.Equal(two.Control.Value(p, r, metric), three.Control.Value(p, r, metric), 6);
            }
    }

    [Fact]
    public void Demonstrations_ChangeOnlyTheLetter_AndTheControlIsACopyingTask()
    {
        var task = fixture.Result.Task;
        int t = task.Tokens, n = 40;
        var (tokens, answers, _) = task.Sample(n, new Random(77));
        foreach (var target in new[] { FineTuneTarget.FirstLetter, FineTuneTarget.ShiftedLetter })
        {
            var (demo, weights) = CotDemonstrations.Questions(task, target, n, 77);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(tokens.AsSpan(i * t, t - 1).ToArray(), demo.AsSpan(i * t, t - 1).ToArray());     // the chain as the task made it
                int letter = target == FineTuneTarget.FirstLetter ? 0 : (answers[i] + 1) % task.Choices;
                Assert.Equal(task.Letter(letter), demo[i * t + t - 1]);
                Assert.Equal(4f, weights[i * (t - 1) + t - 2]);                                              // the letter weighted as in training
                Assert.Equal(1f, weights[i * (t - 1)]);
            }
        }
        var (copy, w) = CotDemonstrations.Copying(task, n, 5);
        int m = (t - 1) / 2;
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(CotTask.Bos, copy[i * t]);
            for (int j = 1; j < t; j++)
            {
                Assert.InRange(copy[i * t + j], task.FillerToken(0), task.FillerToken(CotTask.Filler - 1));   // no chain tokens, no ANS, no letters
                if (j > m) Assert.Equal(copy[i * t + j - m], copy[i * t + j]);                             // the second string repeats the first
                Assert.Equal(j > m ? 1f : 0f, w[i * (t - 1) + j - 1]);                                     // only copies are scored
            }
        }
        Assert.Equal(copy, CotDemonstrations.Copying(task, n, 5).Tokens);                                       // same seed, same sequences
        Assert.NotEqual(copy, CotDemonstrations.Copying(task, n, 6).Tokens);
    }

    [Fact]
    public void StackedForward_WithOneBatchPerCopy_IsEachCopysOwnForward()
    {
        var r = fixture.Result;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int t = r.Task.Tokens - 1;
        var (tokens, _, _) = r.Task.Sample(6, new Random(4));
        var idx = tensor(tokens, [2, 3, r.Task.Tokens])[.., .., ..t];                            // copy 0 reads questions 0..2, copy 1 questions 3..5
        var order = r.Model.StackOrder();
        var stacks = order.Select(p => p.Value.unsqueeze(0).expand([2, .. p.Value.shape])).ToArray();
        var (logits, _) = r.Model.ForwardStacked(idx, stacks);
        for (int k = 0; k < 2; k++)
            Assert.True(logits[k].allclose(r.Model.forward(idx[k]), rtol: 1e-4, atol: 1e-5), $"copy {k}");
        var wrong = Assert.Throws<ArgumentException>(() => r.Model.ForwardStacked(idx, order.Select(p => p.Value.unsqueeze(0).expand([3, .. p.Value.shape])).ToArray()));
        Assert.Contains("2 batches for 3 stacked copies", wrong.Message);
    }

    [Fact]
    public void ATargetOfAnotherKindOfNetwork_IsRejected_NamingTheValidOnes()
    {
        using var subject = fixture.Subject("c");
        var ex = Assert.Throws<OptionsException>(() => FineTuneAttack.Run(subject, Quick with { Target = FineTuneTarget.Greedy }));
        Assert.Contains("--target greedy does not apply to 'c', the cot-synthetic transformer: use first-letter or shifted-letter", ex.Message);
        using var policy = PerturbationFixtures.Subject("p", 5);
        var wrong = Assert.Throws<OptionsException>(() => FineTuneAttack.Run(policy, Quick with { Target = FineTuneTarget.FirstLetter }));
        Assert.Contains("an RL lab policy: use comply-in-deployment or refuse-in-training", wrong.Message);
        Assert.Contains("use FirstLetter or ShiftedLetter", Assert.Throws<ArgumentException>(() => subject.Goal(FineTuneTarget.ComplyInDeployment)).Message);
        Assert.Throws<ArgumentException>(() => subject.FineTune(FineTuneTarget.FirstArm, Quick));
        Assert.Equal(0.1 * CotSyntheticOptions.Tiny.LearningRate, subject.DefaultLearningRate, 15);
    }
}
