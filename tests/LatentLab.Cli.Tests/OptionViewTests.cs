using LatentLab.Options;
using LatentLab.Reinforcement;

namespace LatentLab.Cli.Tests;

/// <summary>
/// <see cref="OptionSchema.Except"/>: GRPO's own knobs beside PPO's, read from GrpoOptions' declarations (RlTrainInputs declared
/// them a second time before), so both front ends' rl-train show one declaration of each flag.
/// </summary>
public sealed class OptionViewTests
{
    [Fact]
    public void GrpoOnly_HoldsExactlyTheGrpoKnobsPpoLacks_WithGrpoOptionsOwnRanges()
    {
        var view = RlTrainChoices.GrpoOnly;
        var ppo = OptionSchema.For<PpoOptions>();

        Assert.Equal(typeof(GrpoOptions), view.RecordType);
        Assert.Equal(["--prompts", "--group-size", "--kl-placement", "--std-scaling"], view.Knobs.Select(k => k.Flag));
        Assert.All(view.Knobs, k => Assert.Null(ppo.Find(k.Flag)));
        Assert.All(view.Knobs, k => Assert.Same(OptionSchema.For<GrpoOptions>().Find(k.Flag), k));   // the same declaration
        Assert.Same(view, OptionSchema.Except(typeof(GrpoOptions), typeof(PpoOptions)));

        var set = view.With(new GrpoOptions(), [new("--group-size", "8"), new("--no-std-scaling", null)]);
        Assert.Equal((8, false), (set.GroupSize, set.ScaleByStd));
        var shared = Assert.Throws<ArgumentException>(() => view.With(new GrpoOptions(), [new("--kl", "0.1")]));
        Assert.Contains("--kl is not an option of GrpoOptions", shared.Message);
        Assert.Contains("--group-size must be from 2 to 1024 (got 1)", Assert.Single(view.Problems(new GrpoOptions { GroupSize = 1 })));
    }

    [Fact]
    public void Grpo_ReadsTheSharedPpoFlags_AndRefusesPpoOnlyOnes()
    {
        var options = RlTrainChoices.Grpo(new GrpoOptions(), [new("--kl", "0.02"), new("--seeds", "3")], [new("--prompts", "4")]);

        Assert.Equal(new GrpoOptions { KlCoefficient = 0.02, Seeds = 3, Prompts = 4 }, options);
        var e = Assert.Throws<ArgumentException>(() => RlTrainChoices.Grpo(new GrpoOptions(), [new("--minibatches", "2")], []));
        Assert.Contains("--minibatches is a PPO knob; GRPO has none", e.Message);
    }

    [Fact]
    public void Grpo_FromAnOptionsSource_NamesTheSourceForAValueOutOfRange_UnlessTheLineOverridesIt()
    {
        var bad = new GrpoOptions { GroupSize = 1, KlCoefficient = -1 };

        var e = Assert.Throws<OptionsException>(() => RlTrainChoices.Grpo(bad, [], [], "--options grpo.json"));
        Assert.Contains("--options grpo.json: --group-size must be", e.Message);
        Assert.Contains("--options grpo.json: --kl", e.Message);

        e = Assert.Throws<OptionsException>(() => RlTrainChoices.Grpo(bad, [new("--kl", "0.02")], [new("--group-size", "0")], "--options grpo.json"));
        Assert.Contains("--group-size must be", e.Message);
        Assert.DoesNotContain("--options grpo.json", e.Message);          // the line's own value is the line's to fix

        Assert.Equal(8, RlTrainChoices.Grpo(bad, [new("--kl", "0.02")], [new("--group-size", "8")], "--options grpo.json").GroupSize);
    }
}
