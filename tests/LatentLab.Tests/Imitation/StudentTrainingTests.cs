using LatentLab.Options;
using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Reports;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Imitation;

public class StudentTrainingTests
{
    static readonly Device Cpu = torch.CPU;

    public StudentTrainingTests() => TorchRuntime.EnsureInitialized();

    internal static BanditTrainingOptions Tiny(int steps = 6, bool dagger = true) => new()
    {
        Arms = 3, TrainHorizon = 12, Hidden = 8, HeadHidden = 8, Steps = steps, Batch = 16, Dagger = dagger, Seed = 11, ProgressEvery = 2,
        MinTrainArms = 2,
    };

    static float[] Logits(TrainedStudent s)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(5, Cpu);
        var actions = randint(0, s.Arms, new long[] { 4, 12 }, dtype: int64, generator: g);
        var rewards = rand(new long[] { 4, 12 }, generator: g).lt(0.5).to(float32);
        using var noGrad = no_grad();
        return s.Network.Forward(s.Network.EncodeSequence(actions, rewards)).data<float>().ToArray();
    }

    [Fact]
    public void SameSeedSameDevice_GivesIdenticalWeightsAndEvaluation()
    {
        using var a = BanditTrainer.Train(Tiny(), Cpu);
        using var b = BanditTrainer.Train(Tiny(), Cpu);
        Assert.Equal(Logits(a), Logits(b));
        Assert.Equal(a.History.Select(h => h.Loss), b.History.Select(h => h.Loss));
        var options = new BanditEvaluationOptions { Episodes = 64, Horizon = 20, Baselines = new[] { "ucb1" } };
        var ea = StudentEvaluator.Evaluate(options, a, Cpu);
        var eb = StudentEvaluator.Evaluate(options, b, Cpu);
        Assert.Equal(ea.Curve("student").Regret, eb.Curve("student").Regret);
        Assert.Equal(ea.StudentVsUcb1!.Difference, eb.StudentVsUcb1!.Difference);
    }

    [Fact]
    public void Training_ReportsProgress_WithLossAgreementSpeedAndEta()
    {
        var reports = new List<TrainingProgress>();
        using var s = BanditTrainer.Train(Tiny(steps: 4), Cpu, new ListProgress(reports));
        Assert.Equal(new[] { 2, 4 }, reports.Select(r => r.Step).ToArray());
        Assert.All(reports, r => Assert.True(r.Loss > 0 && r.Agreement is >= 0 and <= 1 && r.EnvStepsPerSecond > 0));
        var first = reports[0].ToRunProgress();                                   // 2 of 4 steps done: as long again to go
        Assert.Equal(reports[0].Elapsed, first.Eta);
        Assert.Equal(TimeSpan.Zero, reports[^1].ToRunProgress().Eta);
        Assert.False(s.IsPartial);
        Assert.Equal(4, s.StepsCompleted);
    }

    [Fact]
    public void Cancellation_StopsTraining_AndReturnsThePartialModelFlaggedAsPartial()
    {
        using var cts = new CancellationTokenSource();
        var progress = new ListProgress(new List<TrainingProgress>(), _ => cts.Cancel());
        using var s = BanditTrainer.Train(Tiny(steps: 50), Cpu, progress, cts.Token);
        Assert.True(s.IsPartial);
        Assert.Equal(2, s.StepsCompleted);
        Assert.Contains("PARTIAL", s.ToString());
        Assert.Contains("PARTIAL", BanditReport.StudentCard(s));
    }

    [Fact]
    public void DaggerMixingSchedule_FallsFromTeacherToStudent_AndBehaviourCloningKeepsTheTeacher()
    {
        var o = new BanditTrainingOptions { Steps = 100, TeacherMixSteps = 0.5, TeacherMixFinal = 0.1 };
        Assert.Equal(1.0, BanditTrainer.TeacherMix(o, 0));
        Assert.Equal(0.55, BanditTrainer.TeacherMix(o, 25), 6);
        Assert.Equal(0.1, BanditTrainer.TeacherMix(o, 80), 6);
        Assert.Equal(1.0, BanditTrainer.TeacherMix(o with { Dagger = false }, 80));
    }

    [Fact]
    public void Student_LearnsToImitateUcb1_OnASmallProblem()
    {
        // Small but real: 2 arms, horizon 12, 120 steps. An untrained student agrees about half the time by chance.
        var options = new BanditTrainingOptions { Arms = 2, TrainHorizon = 12, Hidden = 16, HeadHidden = 0, Steps = 120, Batch = 64, LearningRate = 0.01, Seed = 1, ProgressEvery = 40 };
        using var s = BanditTrainer.Train(options, Cpu);
        var e = StudentEvaluator.Evaluate(new BanditEvaluationOptions { Episodes = 300, Horizon = 12, Baselines = new[] { "ucb1", "random" } }, s, Cpu);
        Assert.True(e.Summary("student").AgreementBefore!.Mean > 0.85, $"agreement {e.Summary("student").AgreementBefore}");
        Assert.True(e.Summary("student").RegretAtEnd.Mean < e.Summary("random").RegretAtEnd.Mean);
    }

    [Theory]
    [InlineData(1, "arms")]
    [InlineData(0, "train-horizon")]
    public void BadOptions_AreRejectedNamingTheOption(int value, string option)
    {
        var o = option == "arms" ? Tiny() with { Arms = value } : Tiny() with { TrainHorizon = value };
        var e = Assert.ThrowsAny<ArgumentException>(() => BanditTrainer.Train(o, Cpu));
        Assert.Contains("--" + option, e.Message);
    }

    [Fact]
    public void IndexDistillation_IsSoftmaxOfScaledIndex_WhenAllArmsArePulled_ElseThePlainLabels()
    {
        using var scope = NewDisposeScope();
        var index = tensor(new float[] { 0.50f, 0.45f, 0.20f, /* unpulled arm: */ 0.9f, float.PositiveInfinity, 0.1f }, new long[] { 2, 3 });
        var labels = tensor(new float[] { 1, 0, 0, 0, 1, 0 }, new long[] { 2, 3 });
        var target = TeacherLabels.IndexDistillation(index, labels, 20).data<float>().ToArray();
        // Row 0: softmax(20 * [0.50, 0.45, 0.20]) = softmax([10, 9, 4]) by hand: e^0, e^-1, e^-6 over their sum.
        double z = 1 + Math.Exp(-1) + Math.Exp(-6);
        Assert.Equal(1 / z, target[0], 5);
        Assert.Equal(Math.Exp(-1) / z, target[1], 5);
        Assert.Equal(Math.Exp(-6) / z, target[2], 5);
        Assert.Equal(new float[] { 0, 1, 0 }, target[3..]);                 // an unpulled arm: UCB1 pulls it, as the label says
    }

    [Fact]
    public void IndexLoss_ChangesUcb1Training_ButNotThompsonTraining()
    {
        using var with = BanditTrainer.Train(Tiny(steps: 2), Cpu);
        using var without = BanditTrainer.Train(Tiny(steps: 2) with { IndexLossWeight = 0 }, Cpu);
        Assert.True(Tiny().UsesIndexLoss);
        Assert.NotEqual(with.History.Select(h => h.Loss), without.History.Select(h => h.Loss));
        var thompson = Tiny(steps: 2) with { Teacher = TeacherKind.Thompson };
        Assert.False(thompson.UsesIndexLoss);
        using var t1 = BanditTrainer.Train(thompson, Cpu);
        using var t0 = BanditTrainer.Train(thompson with { IndexLossWeight = 0 }, Cpu);
        Assert.Equal(t1.History.Select(h => h.Loss), t0.History.Select(h => h.Loss));
        var e = Assert.ThrowsAny<ArgumentException>(() => BanditTrainer.Train(Tiny() with { IndexLossWeight = -1 }, Cpu));
        Assert.Contains("--index-loss", e.Message);
    }

    [Fact]
    public void WeightAveraging_ReturnsTheMovingAverage_OfTheInitialAndTrainedWeights()
    {
        static float[] Weights(StudentNetwork n) => n.parameters().SelectMany(p => p.cpu().data<float>().ToArray()).ToArray();
        var o = Tiny(steps: 1);
        // The trainer's initial weights: the same seeded draw, under the lock that keeps other tests off the global generator.
        using var initial = StudentNetwork.Create(o, seed: o.Seed);
        using var plain = BanditTrainer.Train(o with { AverageDecay = 0 }, Cpu);   // weights after one step
        using var averaged = BanditTrainer.Train(o with { AverageDecay = 0.25 }, Cpu);
        var w0 = Weights(initial);
        var w1 = Weights(plain.Network);
        var avg = Weights(averaged.Network);
        Assert.NotEqual(w0, w1);
        float d = (float)BanditTrainer.AverageDecayAt(0.25, 0);              // after the first step: min(0.25, 1/10)
        Assert.Equal(0.1f, d);
        for (int i = 0; i < avg.Length; i++)
            Assert.Equal(d * w0[i] + (1 - d) * w1[i], avg[i], 5);          // avg = decay x initial + (1 - decay) x trained
        Assert.Equal(plain.History.Select(h => h.Loss), averaged.History.Select(h => h.Loss));   // the raw weights train alike
        var e = Assert.ThrowsAny<ArgumentException>(() => BanditTrainer.Train(o with { AverageDecay = 1 }, Cpu));
        Assert.Contains("--average", e.Message);
    }

    [Fact]
    public void UnknownTeacher_IsRejectedWithTheValidNames()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => BanditTrainingOptions.ParseTeacher("exp3"));
        Assert.Contains("ucb1, thompson", e.Message);
        Assert.Equal(TeacherKind.Thompson, BanditTrainingOptions.ParseTeacher("Thompson"));
    }

    [Fact]
    public void ThompsonTeacher_And_JointArchitecture_Train()
    {
        using var t = BanditTrainer.Train(Tiny(steps: 2) with { Teacher = TeacherKind.Thompson }, Cpu);
        using var j = BanditTrainer.Train(Tiny(steps: 2) with { Architecture = StudentArchitecture.Joint, TimeInput = true }, Cpu);
        Assert.True(double.IsFinite(t.Final!.Loss) && double.IsFinite(j.Final!.Loss));
        var e = StudentEvaluator.Evaluate(new BanditEvaluationOptions { Episodes = 16, Horizon = 30, Baselines = new[] { "ucb1" } }, j, Cpu);
        Assert.Equal(30, e.Curve("student").Horizon);
    }

    [Fact]
    public void JointStudent_OnAnotherNumberOfArms_SaysWhichToUse()
    {
        using var s = BanditTrainer.Train(Tiny(steps: 1) with { Architecture = StudentArchitecture.Joint }, Cpu);
        var e = Assert.ThrowsAny<ArgumentException>(() => StudentEvaluator.Evaluate(new BanditEvaluationOptions { Arms = 5, Episodes = 8 }, s, Cpu));
        Assert.Contains("--arms 3", e.Message);
    }

    [Theory]
    [InlineData(StudentArchitecture.PerArm, false)]
    [InlineData(StudentArchitecture.PerArm, true)]
    [InlineData(StudentArchitecture.Joint, true)]
    [InlineData(StudentArchitecture.Joint, false)]
    public void StepwisePolicy_GivesTheSameScoresAsTheWholeSequenceForward(StudentArchitecture architecture, bool timeInput)
    {
        var options = Tiny(steps: 2) with { Architecture = architecture };
        options = architecture == StudentArchitecture.Joint ? options with { TimeInput = timeInput } : options with { InverseTimeInput = timeInput };
        using var s = BanditTrainer.Train(options, Cpu);
        using var env = BanditEnvironment.Create(new BanditSpec(3), 4, 12, 3, Cpu);
        using var policy = s.CreatePolicy();
        policy.Reset(4, 3, Cpu, 0);
        var actions = new List<Tensor>();
        var rewards = new List<Tensor>();
        var stepLogits = new List<Tensor>();
        for (int t = 0; t < 12; t++)
        {
            var a = policy.Act(t);
            stepLogits.Add(policy.LastLogits!.clone());
            var r = env.Pull(a);
            policy.Observe(a, r);
            actions.Add(a);
            rewards.Add(r);
        }
        using var noGrad = no_grad();
        var whole = s.Network.Forward(s.Network.EncodeSequence(stack(actions, 1), stack(rewards, 1)));   // (B, T, K)
        var stepwise = stack(stepLogits, 1);
        Assert.True(whole.allclose(stepwise, rtol: 1e-4, atol: 1e-5), $"max diff {(whole - stepwise).abs().max().item<float>()}");
    }

    [Theory]
    [InlineData(StudentArchitecture.PerArm, true, 7)]
    [InlineData(StudentArchitecture.PerArm, false, 3)]
    [InlineData(StudentArchitecture.Joint, true, 3)]
    [InlineData(StudentArchitecture.Joint, false, 3)]
    public void EncodeStep_IsEncodeSequenceAtThatStep_BitForBit_PastTheTrainingHorizonToo(StudentArchitecture architecture, bool timeInput, int arms)
    {
        // One feature builder serves both: step t of the sequence and the single step t give the same floats.
        using var scope = NewDisposeScope();
        using var network = TorchRuntime.WithGlobalGenerator(1, () => new StudentNetwork(architecture, arms: 3, hidden: 4, layers: 1,
            timeInput: architecture == StudentArchitecture.Joint && timeInput, trainHorizon: 12, inverseTimeInput: timeInput));
        using var g = new Generator(9, Cpu);
        const int T = 300;                                                                             // 25x the training horizon
        var actions = randint(0, arms, new long[] { 4, T }, dtype: int64, generator: g);
        var rewards = rand(new long[] { 4, T }, generator: g);
        var sequence = network.EncodeSequence(actions, rewards, arms);                                 // (B, T, [K,] F)
        long features = (architecture == StudentArchitecture.PerArm ? 2 : arms + 1) + (timeInput ? 1 : 0);   // [pulled, reward] or [one-hot, reward], + clock
        Assert.Equal(features, sequence.shape[^1]);
        Assert.Equal(network.InputSize, features);
        foreach (var t in new[] { 0, 1, 11, 12, 13, 99, 299 })
        {
            var step = t == 0 ? network.EncodeStep(null, null, 4, 0, Cpu, arms)
                              : network.EncodeStep(actions[.., t - 1], rewards[.., t - 1], 4, t, Cpu, arms);   // (B, 1, [K,] F)
            Assert.Equal(sequence[.., t].contiguous().data<float>().ToArray(), step.squeeze(1).contiguous().data<float>().ToArray());
        }
    }

    [Fact]
    public void PerArmStudent_SharesOneLstmAcrossArms_SoItPlaysAnyNumberOfArms()
    {
        using var s = BanditTrainer.Train(Tiny(steps: 1), Cpu);
        var e = StudentEvaluator.Evaluate(new BanditEvaluationOptions { Arms = 7, Episodes = 8, Horizon = 10, Baselines = new[] { "ucb1" } }, s, Cpu);
        Assert.Equal(7, e.Arms);
        Assert.Equal(10, e.Curve("student").Horizon);
    }

    static float[] Weights(TrainedStudent s) => s.Network.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();

    [Fact]
    public void MaxTrainArms_TrainsOnMoreArmsThanTheEvaluatedK()
    {
        // One K above Arms in every step (MinTrainArms = MaxTrainArms = 4, Arms = 3) trains exactly as Arms = 4 does: the
        // knob sets the bandits training plays, Arms only the K the student is evaluated on by default.
        using var above = BanditTrainer.Train(Tiny() with { MinTrainArms = 4, MaxTrainArms = 4 }, Cpu);
        using var four = BanditTrainer.Train(Tiny() with { Arms = 4, MinTrainArms = 0 }, Cpu);
        Assert.Equal(Weights(four), Weights(above));
        Assert.Equal(3, above.Arms);
        Assert.Contains("K = 4 in every step", BanditReport.StudentCard(above));
        // A range past Arms draws other bandits than the range up to Arms, and repeats itself.
        using var wide = BanditTrainer.Train(Tiny() with { MaxTrainArms = 6 }, Cpu);
        using var again = BanditTrainer.Train(Tiny() with { MaxTrainArms = 6 }, Cpu);
        using var narrow = BanditTrainer.Train(Tiny() with { MaxTrainArms = 0 }, Cpu);
        Assert.Equal(Weights(wide), Weights(again));
        Assert.NotEqual(Weights(narrow), Weights(wide));
        Assert.Contains("K drawn from 2..6 per step", BanditReport.StudentCard(wide));
        Assert.Contains("K drawn from 2..3 per step", BanditReport.StudentCard(narrow));
        // 0 and any value up to Arms mean the range up to Arms (the run of before the knob): a student for more arms
        // than MaxTrainArms trains on K up to its own Arms.
        using var atArms = BanditTrainer.Train(Tiny() with { MaxTrainArms = 3 }, Cpu);
        Assert.Equal(Weights(narrow), Weights(atArms));
        Assert.Equal(10, new BanditTrainingOptions { Arms = 10 }.TrainArmsHigh);
        Assert.Equal(7, new BanditTrainingOptions().TrainArmsHigh);
    }

    [Fact]
    public void WeightAverage_FollowsTheWeightsEarly_ThenDecaysAtItsRate()
    {
        Assert.Equal(0.1, BanditTrainer.AverageDecayAt(0.99, 0), 12);          // after the first step: mostly that step's weights
        Assert.Equal(0.5, BanditTrainer.AverageDecayAt(0.99, 8), 12);
        Assert.True(BanditTrainer.AverageDecayAt(0.99, 889) < 0.99);
        Assert.Equal(0.99, BanditTrainer.AverageDecayAt(0.99, 891));
        // Averaging returns other weights than the last ones, and off (0) returns the last ones.
        using var averaged = BanditTrainer.Train(Tiny(), Cpu);
        using var last = BanditTrainer.Train(Tiny() with { AverageDecay = 0 }, Cpu);
        Assert.NotEqual(Weights(last), Weights(averaged));
        Assert.Contains("moving average", BanditReport.StudentCard(averaged));
        Assert.DoesNotContain("moving average", BanditReport.StudentCard(last));
    }

    [Fact]
    public void BadTrainArmRanges_AreRejected_NamingTheFlags()
    {
        var one = Assert.Throws<OptionsException>(() => new BanditTrainingOptions { MaxTrainArms = 1 }.Validate());
        Assert.Contains("--max-train-arms must be 0 (= --arms) or at least 2 (got 1)", one.Message);
        var inverted = Assert.Throws<OptionsException>(() => new BanditTrainingOptions { MinTrainArms = 7, MaxTrainArms = 6 }.Validate());
        Assert.Contains("--min-train-arms must be 0 (off) or lie in 2..6, the larger of --arms and --max-train-arms (got 7)", inverted.Message);
        var pastArms = Assert.Throws<OptionsException>(() => new BanditTrainingOptions { MinTrainArms = 9, Arms = 5 }.Validate());
        Assert.Contains("lie in 2..7", pastArms.Message);
        Assert.Contains("(got 9)", pastArms.Message);
        new BanditTrainingOptions { Arms = 5, MinTrainArms = 2, MaxTrainArms = 8 }.Validate();        // more arms than Arms: fine
        new BanditTrainingOptions { Arms = 5, MinTrainArms = 7, MaxTrainArms = 8 }.Validate();        // only K above Arms: fine too
        new BanditTrainingOptions { Arms = 10, MinTrainArms = 9 }.Validate();                         // up to Arms when Arms is larger
        new BanditTrainingOptions { MinTrainArms = 0, MaxTrainArms = 8 }.Validate();                  // always Arms: MaxTrainArms unused
    }

    [Fact]
    public void TrainingCurvesChart_HasLossAndAgreement()
    {
        using var s = BanditTrainer.Train(Tiny(steps: 4), Cpu);
        var html = BanditCharts.TrainingCurves(s).GetInlineHtml();
        Assert.Contains("loss", html);
        Assert.Contains("agreement with teacher", html);
    }

    sealed class ListProgress(List<TrainingProgress> list, Action<TrainingProgress>? then = null) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            list.Add(value);
            then?.Invoke(value);
        }
    }
}
