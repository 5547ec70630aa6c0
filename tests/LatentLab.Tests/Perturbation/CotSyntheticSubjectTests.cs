using LatentLab.Models;
using LatentLab.Perturbation;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Perturbation;

[Collection("cot-synthetic")]
public class CotSyntheticSubjectTests
{
    static readonly Lazy<CotSyntheticResult> Trained = new(() =>
    {
        TorchRuntime.ResolveDevice("cpu");
        return CotSynthetic.RunDetailed(CotSyntheticOptions.Tiny with { Threads = 1 }, CPU);
    });

    [Fact]
    public void StackedForward_OfTheCleanWeights_MatchesTheModulesForward()
    {
        var r = Trained.Value;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (tokens, _, _) = r.Task.Sample(5, new Random(3));
        var idx = tensor(tokens, [5, r.Task.Tokens])[.., ..(r.Task.Tokens - 1)];
        var (logits, residuals) = r.Model.ForwardWithResiduals(idx, record: true);
        var order = r.Model.StackOrder();
        Assert.Equal(r.Model.parameters().Count(), order.Count);
        var stacks = order.Select(p => p.Value.unsqueeze(0).expand([3, .. p.Value.shape])).ToArray();
        var (stacked, stackedResiduals) = r.Model.ForwardStacked(idx, stacks);
        Assert.Equal([3L, 5, r.Task.Tokens - 1, r.Task.Vocab], stacked.shape);
        for (int k = 0; k < 3; k++)
        {
            Assert.True(stacked[k].allclose(logits, rtol: 1e-4, atol: 1e-5), $"copy {k}: logits differ");
            for (int l = 0; l < residuals.Count; l++) Assert.True(stackedResiduals[l][k].allclose(residuals[l], rtol: 1e-4, atol: 1e-5));
        }
    }

    [Fact]
    public void Clean_MetricsAreTheModelsAccuracy_AndTheRefitEqualsTheFixedProbe()
    {
        var r = Trained.Value;
        using var subject = new CotSyntheticSubject("cot", r, questions: 300);
        Assert.Equal((100, 100, 100), subject.SplitSizes);
        Assert.InRange(subject.BestLayer, 0, r.Model.BlockCount);
        Assert.InRange(subject.BestPosition, 0, r.Task.Tokens - 2);
        var clean = PerturbationSweep.CleanMetrics(subject);
        // The model learnt the tiny task: answer accuracy well above chance 1/2.
        Assert.True(clean[0] > 0.7, $"answer accuracy {clean[0]}");
        // On the clean network the refit probe is the clean probe (same features, same fit).
        Assert.Equal(clean[2], clean[1], 12);
        Assert.True(clean[1] > 0.6, $"probe accuracy {clean[1]}");
        Assert.Equal(0.5, subject.Chance[0]);
    }

    [Fact]
    public void WeightNoise_Sweep_DrivesTheAnswerToChance_AndIsReproducible()
    {
        var r = Trained.Value;
        using var subject = new CotSyntheticSubject("cot", r, questions: 150);
        var options = new PerturbationOptions { Grid = [0, 0.01, 30], Seeds = 4, Resamples = 200 };
        var curve = PerturbationSweep.Run(subject, options);
        var answer = curve.MeanCurve(CotSyntheticSubject.AnswerAccuracy);
        Assert.Equal(curve.Clean[0], answer[0].Mean, 12);                             // s = 0: every copy is the clean model
        Assert.InRange(answer[2].Mean, 0.3, 0.7);                                     // 30x RMS noise: about chance (1/2)
        var again = PerturbationSweep.Run(subject, options);
        for (int p = 0; p < 3; p++)
            Assert.Equal(curve.Values(p, CotSyntheticSubject.ProbeRefit), again.Values(p, CotSyntheticSubject.ProbeRefit));
    }

    [Fact]
    public void ActivationNoise_OnTheResidualStream_Runs_AndBadCellsAreNamed()
    {
        var r = Trained.Value;
        using var subject = new CotSyntheticSubject("cot", r, questions: 90, layer: 1, position: 3);
        Assert.Equal((1, 3), (subject.BestLayer, subject.BestPosition));
        var curve = PerturbationSweep.Run(subject, new PerturbationOptions { Grid = [0, 100], Seeds = 2, Resamples = 200, Kind = PerturbationKind.Activations });
        Assert.Equal(curve.Clean[0], curve.MeanCurve(CotSyntheticSubject.AnswerAccuracy)[0].Mean, 12);
        Assert.Contains("layers 0..", Assert.Throws<ArgumentException>(() => new CotSyntheticSubject("x", r, layer: 9, position: 0)).Message);
        Assert.Contains("give both", Assert.Throws<ArgumentException>(() => new CotSyntheticSubject("x", r, layer: 1)).Message);
        Assert.Contains("at least 30", Assert.Throws<ArgumentException>(() => new CotSyntheticSubject("x", r, questions: 10)).Message);
    }
}
