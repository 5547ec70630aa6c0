using LatentLab.Imitation;
using LatentLab.Reports;
using LatentLab.Torch;

namespace LatentLab.Interactive.Tests;

/// <summary>The hidden-state projection the walkthrough shows (LatentLab.Imitation.HiddenStateProjection), on a tiny student.</summary>
public class BanditHiddenStateTests
{
    static TrainedStudent TinyStudent(StudentArchitecture architecture) => BanditTrainer.Train(new BanditTrainingOptions
    {
        Arms = 3, TrainHorizon = 6, Hidden = 8, Steps = 4, Batch = 16, Seed = 3, Architecture = architecture, Dagger = false,
    }, TorchRuntime.ResolveDevice("cpu"));

    [Fact]
    public void PerArmStudent_GivesOnePointPerEpisodeStepAndArm_TaggedWithWhatTheStateHasSeen()
    {
        using var student = TinyStudent(StudentArchitecture.PerArm);

        var p = HiddenStateProjection.Compute(student, episodes: 4, horizon: 10, seed: 1);

        Assert.Equal(4 * 10 * 3, p.X.Length);
        Assert.Equal(p.X.Length, p.Y.Length);
        Assert.Equal(Enumerable.Range(0, 10), p.Pulls.Distinct().OrderBy(v => v));
        Assert.Equal(new[] { 0, 1, 2 }, p.Arm.Distinct().OrderBy(v => v));
        // Before the first pull no arm has been pulled; after t pulls of an episode its arms' counts add up to t.
        for (int i = 0; i < p.Pulls.Length; i += 3)
        {
            Assert.Equal(p.Pulls[i], p.ArmPulls[i] + p.ArmPulls[i + 1] + p.ArmPulls[i + 2]);
        }
        Assert.All(p.ArmMean, m => Assert.InRange(m, 0f, 1f));
        Assert.True(p.ExplainedVariance[0] >= p.ExplainedVariance[1] && p.ExplainedVariance.Sum() <= 1.0 + 1e-9);
        Assert.All(p.X.Concat(p.Y), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void JointStudent_GivesOnePointPerEpisodeAndStep()
    {
        using var student = TinyStudent(StudentArchitecture.Joint);

        var p = HiddenStateProjection.Compute(student, episodes: 5, horizon: 7, seed: 1);

        Assert.Equal(5 * 7, p.X.Length);
        Assert.All(p.Arm, a => Assert.Equal(-1, a));
    }

    [Fact]
    public void ProjectionChart_DrawsStatesPastTheTrainingHorizonAsASeparateTrace()
    {
        using var student = TinyStudent(StudentArchitecture.PerArm);
        var p = HiddenStateProjection.Compute(student, episodes: 2, horizon: 9, seed: 1);

        var chart = HiddenStateCharts.Projection(p, "arm-mean");

        var html = ChartHtml.ToHtml(chart, includePlotlyJs: false);
        Assert.Contains("(as in training)", html);
        Assert.Contains("(never trained on)", html);
        Assert.Throws<ArgumentException>(() => HiddenStateCharts.Projection(p, "colour"));
    }
}
