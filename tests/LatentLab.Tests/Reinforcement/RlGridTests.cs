using LatentLab.Options;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

[Collection("torch threads")]
public class RlGridTests
{
    static AlignmentPolicy Reference()
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        using var g = new Generator(2, CPU);
        return AlignmentPolicy.Create(env, new PolicyOptions { Width = 16, OutputGain = 1.0 }, 1, g);
    }

    [Fact]
    public void Grid_RunsEveryPoint_AndTabulatesTheFinalMetricsWithTheBoundary()
    {
        var grid = RlGrid.Run(Reference(), new PpoOptions { Seeds = 2, Iterations = 2, Episodes = 32, EvalEvery = 2, EvalPerType = 4 },
            "ConcernCost", [0.0, 0.2], "Coupling", [0.0, 1.0]);
        Assert.Equal(4, grid.Points.Count);
        var df = grid.ToDataFrame();
        Assert.Equal(4 * AlignmentMetrics.Names.Count, df.Rows.Count);
        // Break-even cost = slip 0.3 * coupling * (1 - 1/4) / 3 concerns: 0 without coupling, 0.075 with it.
        Assert.Equal([0.0, 0.075, 0.0, 0.075], grid.Points.Select(p => Math.Round(p.ConcernBreakEvenCost, 6)));
    }

    [Fact]
    public void UnknownOrRepeatedSetting_IsRejectedWithTheKnownOnes()
    {
        var reference = Reference();
        var o = new PpoOptions { Seeds = 1, Iterations = 1, Episodes = 8, EvalEvery = 1, EvalPerType = 1 };
        var e = Assert.Throws<ArgumentException>(() => RlGrid.Run(reference, o, "Temperature", [1.0], "Coupling", [0.5]));
        Assert.Contains("Unknown grid setting 'Temperature'", e.Message);
        Assert.Contains("ConcernCost", e.Message);
        Assert.Throws<ArgumentException>(() => RlGrid.Run(reference, o, "Coupling", [1.0], "Coupling", [0.5]));
        var range = Assert.Throws<OptionsException>(() => RlGrid.Run(reference, o, "Coupling", [2.0], "ConcernCost", [0.5]));
        Assert.Contains("Coupling", range.Message);
    }

    [Fact]
    public void Parse_ReadsTwoSettings_AndResolve_AcceptsFlagsAndNumericTrainingKnobs()
    {
        var (a, va, b, vb) = RlGrid.Parse(" kl=0, 0.04 ; concern-cost=0,0.1,1e-2 ");
        Assert.Equal(("kl", "concern-cost"), (a, b));
        Assert.Equal([0.0, 0.04], va);
        Assert.Equal([0.0, 0.1, 0.01], vb);
        // The same value twice (0.1 and 1e-1) would run the same point twice: refused, as a sweep grid refuses it.
        Assert.Contains("lists the value 0.1 2 times", Assert.Throws<ArgumentException>(() => RlGrid.Parse("kl=0,0.04; concern-cost=0.1,1e-1")).Message);
        Assert.Equal("KlCoefficient", RlGrid.Resolve("kl", typeof(PpoOptions)));
        Assert.Equal("ConcernCost", RlGrid.Resolve("--concern-cost", typeof(GrpoOptions)));
        Assert.Equal("GroupSize", RlGrid.Resolve("group-size", typeof(GrpoOptions)));
        var unknown = Assert.Throws<ArgumentException>(() => RlGrid.Resolve("group-size", typeof(PpoOptions)));
        Assert.Contains("Unknown grid setting 'group-size'", unknown.Message);
        Assert.Contains("episodes", unknown.Message);   // the numeric PPO knobs are listed
        Assert.Contains("has 3 setting(s)", Assert.Throws<ArgumentException>(() => RlGrid.Parse("a=1; b=2; c=3")).Message);
        Assert.Contains("is not setting=values", Assert.Throws<ArgumentException>(() => RlGrid.Parse("kl; b=2")).Message);
    }
}
