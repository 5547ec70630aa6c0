using LatentLab.Imitation;
using LatentLab.Perturbation;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Perturbation;

[Collection("torch threads")]
public class StudentSubjectTests
{
    static TrainedStudent Student()
    {
        TorchRuntime.EnsureInitialized();
        return BanditTrainer.Train(new BanditTrainingOptions
        {
            Arms = 3, TrainHorizon = 12, Hidden = 8, HeadHidden = 8, Steps = 40, Batch = 32, Seed = 11, ProgressEvery = 20, MinTrainArms = 2,
        }, CPU);
    }

    [Fact]
    public void Student_SweepAtZeroIsClean_Deterministic_HeadScopeTouchesOnlyTheHead()
    {
        using var student = Student();
        using var subject = new StudentSubject("student", student, episodes: 64, horizon: 24);
        Assert.Equal([StudentSubject.AgreementBefore, StudentSubject.AgreementAfter, StudentSubject.RegretRatio], subject.Metrics);
        Assert.Contains(subject.Parameters, p => p.Name == "lstm.weight_ih_l0" && p.Layer == 0 && !p.IsHead);
        Assert.Contains(subject.Parameters, p => p.Name == "head.2.bias" && p.Layer == 2 && p.IsHead && p.IsBias);
        Assert.True(subject.Chance[2] > 1, "a random policy has more regret than UCB1");
        var options = new PerturbationOptions { Grid = [0, 0.1, 3], Seeds = 3, Resamples = 200 };
        var a = PerturbationSweep.Run(subject, options);
        var b = PerturbationSweep.Run(subject, options);
        for (int j = 0; j < 3; j++)
            for (int r = 0; r < 3; r++)
            {
                Assert.Equal(a.Clean[j], a.Value(0, r, a.Metrics[j]));
                Assert.Equal(a.Value(2, r, a.Metrics[j]), b.Value(2, r, a.Metrics[j]));
            }
        Assert.Contains(Enumerable.Range(0, 3), r => a.Value(2, r, StudentSubject.AgreementBefore) != a.Clean[0]);
        // The clean network is never modified by a sweep.
        Assert.Equal(a.Clean, PerturbationSweep.CleanMetrics(subject));
    }

    [Fact]
    public void Student_ActivationNoise_ZeroIsClean_Deterministic_ScopesPickLayers()
    {
        using var student = Student();
        using var subject = new StudentSubject("student", student, episodes: 64, horizon: 24);
        Assert.Equal(3, subject.ActivationLayers);                          // the LSTM, the head's hidden layer, the scores
        var options = new PerturbationOptions { Grid = [0, 0.3, 3], Seeds = 3, Resamples = 200, Kind = PerturbationKind.Activations };
        var a = PerturbationSweep.Run(subject, options);
        var b = PerturbationSweep.Run(subject, options);
        Assert.Equal(3, a.Grid.Count);
        for (int j = 0; j < 3; j++)
            for (int r = 0; r < 3; r++)
            {
                // s = 0 through the hooked (torch-ops) rollout: the clean student's numbers, up to the float rounding between
                // the fused kernel and the torch ops (an exact near-tie may break the other way).
                Assert.InRange(a.Value(0, r, a.Metrics[j]), a.Clean[j] - 0.01, a.Clean[j] + 0.01);
                for (int i = 0; i < 3; i++) Assert.Equal(a.Value(i, r, a.Metrics[j]), b.Value(i, r, a.Metrics[j]));   // same seed, same numbers
            }
        // Noise 3x the activations' own RMS on every layer wrecks the policy; the copies differ from each other (own draws).
        Assert.All(Enumerable.Range(0, 3), r => Assert.True(a.Value(2, r, StudentSubject.AgreementBefore) < a.Clean[0] - 0.1,
            $"copy {r}: agreement {a.Value(2, r, StudentSubject.AgreementBefore)} under s = 3, clean {a.Clean[0]}"));
        Assert.NotEqual(a.Value(2, 0, StudentSubject.AgreementBefore), a.Value(2, 1, StudentSubject.AgreementBefore));
        // A scope on one layer gives other numbers than all layers; the head alone (the scores) as well.
        var lstm = PerturbationSweep.Run(subject, options with { Scope = "layer:0" });
        var head = PerturbationSweep.Run(subject, options with { Scope = "head" });
        Assert.NotEqual(a.Value(2, 0, StudentSubject.AgreementBefore), lstm.Value(2, 0, StudentSubject.AgreementBefore));
        Assert.NotEqual(lstm.Value(2, 0, StudentSubject.AgreementBefore), head.Value(2, 0, StudentSubject.AgreementBefore));
        var ex = Assert.Throws<ArgumentException>(() => PerturbationSweep.Run(subject, options with { Scope = "layer:7" }));
        Assert.Contains("layers 0..2", ex.Message);
    }
}
