using LatentLab.Options;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;

namespace LatentLab.Tests.Perturbation;

[Collection("torch threads")]
public class PerturbationSweepTests
{
    [Fact]
    public void Run_SameSeed_GivesTheSameNumbers_AnotherSeedOthers()
    {
        using var subject = PerturbationFixtures.Subject("p", 3);
        var o = PerturbationFixtures.Quick;
        var a = PerturbationSweep.Run(subject, o);
        var b = PerturbationSweep.Run(subject, o);
        var c = PerturbationSweep.Run(subject, o with { Seed = 2 });
        bool anyDiffers = false;
        for (int p = 0; p < a.Grid.Count; p++)
            for (int r = 0; r < a.Seeds; r++)
                foreach (var m in a.Metrics)
                {
                    Assert.Equal(a.Value(p, r, m), b.Value(p, r, m));
                    anyDiffers |= a.Value(p, r, m) != c.Value(p, r, m);
                }
        Assert.True(anyDiffers);
        Assert.Equal(a.Halfway(AlignmentMetrics.RefusalTrain), b.Halfway(AlignmentMetrics.RefusalTrain));
    }

    [Theory]
    [InlineData(PerturbationKind.Weights)]
    [InlineData(PerturbationKind.Activations)]
    public void Run_AtZeroNoise_GivesTheCleanMetricsExactly(PerturbationKind kind)
    {
        using var subject = PerturbationFixtures.Subject("p", 4);
        var curve = PerturbationSweep.Run(subject, PerturbationFixtures.Quick with { Grid = [0, 0.5], Kind = kind });
        for (int j = 0; j < curve.Metrics.Count; j++)
            for (int r = 0; r < curve.Seeds; r++)
                Assert.Equal(curve.Clean[j], curve.Value(0, r, curve.Metrics[j]));
        // ... and noise at s = 0.5 moves them.
        Assert.Contains(Enumerable.Range(0, curve.Seeds), r => curve.Value(1, r, AlignmentMetrics.ComplianceTrain) != curve.Clean[0]);
    }

    [Fact]
    public void Chance_IsTheUniformPolicy_OneThirdPerMode()
    {
        using var subject = PerturbationFixtures.Subject("p", 5);
        var m = subject.Metrics.ToList();
        var env = subject.Policy.Environment.Options;
        Assert.Equal(1.0 / 3, subject.Chance[m.IndexOf(AlignmentMetrics.ComplianceTrain)], 5);
        Assert.Equal(1.0 / 3, subject.Chance[m.IndexOf(AlignmentMetrics.RefusalDeploy)], 5);
        Assert.Equal(0.0, subject.Chance[m.IndexOf(AlignmentMetrics.ComplianceGap)], 5);
        Assert.Equal(env.MaxConcerns / (env.MaxConcerns + 1.0), subject.Chance[m.IndexOf(AlignmentMetrics.ConcernRateTrain)], 5);
        Assert.Equal(1.0 / 3 / (env.MaxConcerns + 1.0), subject.Chance[m.IndexOf(AlignmentMetrics.Evil)], 5);
    }

    [Fact]
    public void Run_LargeNoise_DrivesTheSubjectTowardsItsChanceFloor()
    {
        using var subject = PerturbationFixtures.Subject("p", 6);
        var curve = PerturbationSweep.Run(subject, PerturbationFixtures.Quick with { Grid = [0.001, 100], Seeds = 8 });
        int j = curve.MetricIndex(AlignmentMetrics.ComplianceTrain);
        // Huge noise makes the logits of a random network large and random: the rate wanders, but the tiny noise keeps it at clean.
        Assert.Equal(curve.Clean[j], curve.MeanCurve(AlignmentMetrics.ComplianceTrain)[0].Mean, 2);
        var far = curve.Values(1, AlignmentMetrics.ComplianceTrain);
        Assert.True(far.Max() - far.Min() > 0.05, "100x RMS noise should spread the seeds apart");
    }

    [Fact]
    public void Compare_UsesTheSameDrawsForBoth_AndRejectsDifferentShapes()
    {
        var env = PerturbationFixtures.Environment();
        using var a = PerturbationFixtures.Subject("pre", 7, env: env);
        using var b = PerturbationFixtures.Subject("post", 8, env: env);
        using var wide = PerturbationFixtures.Subject("wide", 9, width: 24, env: env);
        var curves = PerturbationSweep.Compare(a, b, PerturbationFixtures.Quick with { Scope = "head" });
        Assert.Equal(2, curves.Count);
        Assert.Equal("pre", curves[0].Model);
        var ex = Assert.Throws<ArgumentException>(() => PerturbationSweep.Compare(a, wide, PerturbationFixtures.Quick));
        Assert.Contains("same shape", ex.Message);
        Assert.Contains("w0", ex.Message);
    }

    [Fact]
    public void Run_ScopeMatchingNoParameter_NamesTheParameters()
    {
        using var subject = PerturbationFixtures.Subject("p", 10);
        var ex = Assert.Throws<ArgumentException>(() => PerturbationSweep.Run(subject, PerturbationFixtures.Quick with { Scope = "filter:lstm" }));
        Assert.Contains("matches no parameter", ex.Message);
        Assert.Contains("b2 (layer 2, bias, head)", ex.Message);
        var layer = Assert.Throws<ArgumentException>(() => PerturbationSweep.Run(subject, PerturbationFixtures.Quick with { Scope = "layer:9", Kind = PerturbationKind.Activations }));
        Assert.Contains("layer:N with N in 0..2", layer.Message);
    }

    [Fact]
    public void Run_LayerScope_TouchesOnlyThatLayer()
    {
        using var subject = PerturbationFixtures.Subject("p", 11);
        Assert.Equal([false, false, true, true, false, false], PerturbationSweep.Touched(subject, PerturbationScope.Parse("layer:1")));
        Assert.Equal([false, false, false, false, true, true], PerturbationSweep.Touched(subject, PerturbationScope.Parse("head")));
        Assert.Equal([false, true, false, true, false, true], PerturbationSweep.Touched(subject, PerturbationScope.Parse("biases")));
        Assert.Equal([true, false, true, false, true, false], PerturbationSweep.Touched(subject, PerturbationScope.Parse("filter:W")));
    }

    [Fact]
    public void InputScope_PerturbsOnlyTheWeightsReadingThatInput()
    {
        using var subject = PerturbationFixtures.Subject("p", 14);
        var scope = PerturbationScope.Parse("input:observed_monitored");
        var touched = PerturbationSweep.Touched(subject, scope);
        Assert.Equal([true, false, false, false, false, false], touched);
        var masks = PerturbationSweep.InputMasks(subject, scope);
        var clean = subject.Parameters.Select(p => p.Value).ToArray();
        var eps = WeightNoise.Draw(subject.Parameters.Select(p => p.Shape).ToArray(), 2, 1, subject.Device);
        var w0 = WeightNoise.Apply(clean, eps, touched, 0.5, masks)[0];                  // (2, in, width)
        var changed = (w0 != clean[0].unsqueeze(0)).any(2);                               // (2, in)
        Assert.True(changed[.., 0].all().item<bool>());
        Assert.False(changed[.., 1..].any().item<bool>());
        Assert.Equal(0, PerturbationScope.Parse("input:0").InputIndex(subject.InputNames));
        var curve = PerturbationSweep.Run(subject, PerturbationFixtures.Quick with { Scope = "input:harmful" });
        Assert.Contains("input:harmful", curve.Perturbation);
        var ex = Assert.Throws<ArgumentException>(() => PerturbationSweep.Run(subject, PerturbationFixtures.Quick with { Scope = "input:colour" }));
        Assert.Contains("0 observed_monitored, 1 harmful", ex.Message);
    }

    [Fact]
    public void Options_BadGridOrScope_FailWithMessagesNamingTheKnob()
    {
        var notIncreasing = Assert.Throws<OptionsException>(() => new PerturbationOptions { Grid = [0.1, 0.05, 1] }.Validate());
        Assert.Contains("not increasing", notIncreasing.Message);
        var reversed = Assert.Throws<OptionsException>(() => new PerturbationOptions { NoiseMin = 1, NoiseMax = 0.1 }.Validate());
        Assert.Contains("--noise-min", reversed.Message);
        Assert.Contains("must increase", reversed.Message);
        var scope = Assert.Throws<OptionsException>(() => new PerturbationOptions { Scope = "layer:x" }.Validate());
        Assert.Contains("layer:N", scope.Message);
        var unknown = Assert.Throws<OptionsException>(() => new PerturbationOptions { Scope = "everything" }.Validate());
        Assert.Contains("all, head, biases, layer:N, input:NAME or filter:TEXT", unknown.Message);
        var actBias = Assert.Throws<OptionsException>(() => new PerturbationOptions { Scope = "biases", Kind = PerturbationKind.Activations }.Validate());
        Assert.Contains("names parameters", actBias.Message);
        Assert.Throws<OptionsException>(() => new PerturbationOptions { Seeds = 1 }.Validate());
        new PerturbationOptions().Validate();
        var grid = new PerturbationOptions().NoiseGrid();
        Assert.Equal(24, grid.Length);
        Assert.Equal(1e-3, grid[0], 12);
        Assert.Equal(3.0, grid[^1], 12);
    }

    [Fact]
    public void Run_Interrupted_ReturnsThePointsDone_MarkedPartial()
    {
        using var subject = PerturbationFixtures.Subject("p", 13);
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Point == 2) cts.Cancel(); });
        var curve = PerturbationSweep.Run(subject, PerturbationFixtures.Quick, progress, cts.Token);
        Assert.True(curve.IsPartial);
        Assert.Equal(2, curve.Grid.Count);
        Assert.Equal(curve.Metrics.Count * (2 + 6), curve.ToDataFrame().Rows.Count);
        // Interrupted before its first point there is nothing to keep: it says so by throwing, as every LatentLab run does.
        using var never = new CancellationTokenSource();
        never.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => PerturbationSweep.Run(subject, PerturbationFixtures.Quick, null, never.Token));
    }

    sealed class SyncProgress(Action<PerturbationProgress> report) : IProgress<PerturbationProgress>
    {
        public void Report(PerturbationProgress value) => report(value);
    }

    [Fact]
    public void Sweep_RunsWithPagesKeptMapped_AtEveryPoint()
    {
        // The allocator settings are glibc's (elsewhere, or with LATENTLAB_DEFAULT_MALLOC=1, KeepPagesMapped is a no-op).
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("LATENTLAB_DEFAULT_MALLOC") == "1") return;
        using var subject = PerturbationFixtures.Subject("p", 13);
        var during = new List<bool>();
        PerturbationSweep.Run(subject, PerturbationFixtures.Quick with { Points = 3, Seeds = 2 },
            new SyncProgress(_ => during.Add(LatentLab.Torch.NativeAllocator.IsKeepingPages)));
        Assert.Equal(3, during.Count);
        Assert.All(during, Assert.True);
    }

    [Fact]
    public void ToDataFrame_HoldsEveryPointAndTheS50Rows()
    {
        using var subject = PerturbationFixtures.Subject("p", 12);
        var curve = PerturbationSweep.Run(subject, PerturbationFixtures.Quick);
        var df = curve.ToDataFrame();
        Assert.Equal(["model", "metric", "stat", "scale", "mean", "ci_low", "ci_high", "seeds", "training_seeds", "s50_ci_over"], df.Columns.Select(c => c.Name).ToArray());
        int m = subject.Metrics.Count;
        Assert.Equal(m * (curve.Grid.Count + 6), df.Rows.Count);
        Assert.All(df.Rows, r => Assert.Equal(curve.Seeds, (int)r[7]));
        var s50Rows = df.Rows.Where(r => (string)r[2] == "s50").ToList();
        Assert.Equal(m, s50Rows.Count);
        var h = curve.Halfway(AlignmentMetrics.BenignAccuracy);
        var row = s50Rows.Single(r => (string)r[1] == AlignmentMetrics.BenignAccuracy);
        Assert.Equal(h.Value, (double)row[4]);
    }
}
