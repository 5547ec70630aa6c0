using LatentLab.Perturbation;
using LatentLab.Reinforcement;

namespace LatentLab.Tests.Perturbation;

[Collection("torch threads")]
public class TrainingSeedBootstrapTests
{
    static readonly double[] Grid = Enumerable.Range(0, 24).Select(i => Math.Exp(Math.Log(1e-3) + (Math.Log(3) - Math.Log(1e-3)) * i / 23)).ToArray();

    static double Line(double s, double clean, double chance, double s50) =>
        clean + (chance - clean) * 0.5 * (Math.Log(s) - Math.Log(1e-3)) / (Math.Log(s50) - Math.Log(1e-3));

    /// <summary>One training seed's curve: metric 0 halfway at <paramref name="s50"/>, tiny noise-seed offsets around it.</summary>
    static PerturbationCurve Seed(string name, double s50, int noiseSeeds, int rngSeed)
    {
        var rng = new Random(rngSeed);
        var offsets = Enumerable.Range(0, noiseSeeds).Select(_ => (rng.NextDouble() - 0.5) * 0.002).ToArray();
        var values = Grid.Select(s =>
        {
            var a = new double[noiseSeeds, 2];
            for (int r = 0; r < noiseSeeds; r++)
            {
                a[r, 0] = Line(s, 0.9, 0.3, s50) + offsets[r];
                a[r, 1] = Line(s, 0.95, 0.25, 0.5) + offsets[r];
            }
            return a;
        }).ToArray();
        return new PerturbationCurve(name, "test", ["behaviour", "capability"], "capability", [0.9, 0.95], [0.3, 0.25], Grid, values, 1000);
    }

    [Fact]
    public void Pooled_SpreadBetweenTrainingSeeds_WidensTheS50Interval_AndTheTableSaysWhatItResamples()
    {
        // Four training seeds whose s50 differ 8-fold; within each, 16 noise seeds agree closely.
        double[] s50s = [0.01, 0.02, 0.04, 0.08];
        var perSeed = s50s.Select((v, t) => Seed($"m[{t}]", v, 16, t)).ToArray();
        var pooled = PerturbationCurve.PoolTrainingSeeds("m", perSeed);
        Assert.Equal((4, 16, 64), (pooled.TrainingSeeds, pooled.NoiseSeeds, pooled.Seeds));
        Assert.Contains("hierarchical", pooled.CiOver);
        var h = pooled.Halfway("behaviour");
        // The same 64 rows treated as 64 exchangeable noise seeds (no training-seed level).
        var flat = new PerturbationCurve("flat", "test", pooled.Metrics, "capability", pooled.Clean, pooled.Chance, pooled.Grid,
            Enumerable.Range(0, Grid.Length).Select(p =>
            {
                var a = new double[64, 2];
                for (int r = 0; r < 64; r++) { a[r, 0] = pooled.Value(p, r, "behaviour"); a[r, 1] = pooled.Value(p, r, "capability"); }
                return a;
            }).ToArray(), 1000);
        var hf = flat.Halfway("behaviour");
        Assert.Equal(hf.Value, h.Value, 12);                                 // same point estimate
        Assert.InRange(h.Value, 0.01, 0.08);
        Assert.True(h.High - h.Low > 2 * (hf.High - hf.Low), $"hierarchical {h} vs flat {hf}");
        Assert.True(h.Low < 0.025 && h.High > 0.035, h.ToString());         // covers the spread of the training seeds' s50
        var spec = pooled.SpecificityRatio("behaviour");
        Assert.True(spec.Low < spec.Ratio && spec.Ratio < spec.High);
        var df = pooled.ToDataFrame();
        Assert.Equal(4, (int)df["training_seeds"][0]);
        Assert.Equal(16, (int)df["seeds"][0]);
        Assert.Contains("training seeds (4)", (string)df["s50_ci_over"][0]);
        Assert.Equal("noise seeds (16)", (string)perSeed[0].ToDataFrame()["s50_ci_over"][0]);
    }

    [Fact]
    public void Pool_RejectsCurvesOfDifferentSweeps()
    {
        var a = Seed("a", 0.01, 8, 1);
        var b = Seed("b", 0.01, 4, 2);
        Assert.Contains("noise-seed count", Assert.Throws<ArgumentException>(() => PerturbationCurve.PoolTrainingSeeds("x", [a, b])).Message);
        Assert.Throws<ArgumentException>(() => PerturbationCurve.PoolTrainingSeeds("x", []));
    }

    [Fact]
    public void RunTrainingSeeds_OfAMultiSeedPolicy_PoolsEverySeed_WithTheirOwnDraws()
    {
        var env = PerturbationFixtures.Environment();
        using var g = new TorchSharp.torch.Generator(21, TorchSharp.torch.CPU);
        var policy = AlignmentPolicy.Create(env, new PolicyOptions { Width = 16, Depth = 2, OutputGain = 3.0 }, 3, g);
        var subjects = Enumerable.Range(0, 3).Select(t => new PolicySubject($"p[{t}]", policy, t, evalPerType: 16)).ToArray();
        try
        {
            var options = PerturbationFixtures.Quick;
            var pooled = PerturbationSweep.RunTrainingSeeds("p", subjects, options);
            Assert.Equal((3, options.Seeds), (pooled.TrainingSeeds, pooled.NoiseSeeds));
            var single = PerturbationSweep.Run(subjects[1], options with { Seed = options.Seed + 1009 });
            // Rows of training seed 1 are that seed's own sweep with its own noise seed.
            for (int p = 0; p < options.Points; p++)
                for (int r = 0; r < options.Seeds; r++)
                    Assert.Equal(single.Value(p, r, AlignmentMetrics.BenignAccuracy), pooled.Value(p, options.Seeds + r, AlignmentMetrics.BenignAccuracy));
            int j = pooled.MetricIndex(AlignmentMetrics.BenignAccuracy);
            Assert.Equal(subjects.Average(s => PerturbationSweep.CleanMetrics(s)[j]), pooled.Clean[j], 9);
        }
        finally
        {
            foreach (var s in subjects) s.Dispose();
        }
    }
}
