using LatentLab.Options;
using LatentLab.Reinforcement;

namespace LatentLab.Tests.Reinforcement;

/// <summary>The policy's architecture knob (--policy mlp|gru) and the rules it brings, from every path into the record.</summary>
public class PolicyOptionsTests
{
    static PolicyOptions Parse(params (string Flag, string? Value)[] values) =>
        OptionSchema.For<PolicyOptions>().With(new PolicyOptions(), values.Select(v => new KeyValuePair<string, string?>(v.Flag, v.Value)));

    [Fact]
    public void Policy_IsMlpByDefault_AndGruFromTheFlag()
    {
        Assert.Equal(PolicyArchitecture.Mlp, new PolicyOptions().Architecture);
        Assert.Equal(PolicyArchitecture.Gru, Parse(("--policy", "gru")).Architecture);
        Assert.Equal(PolicyArchitecture.Gru, Parse(("--policy", "GRU")).Architecture);
        Assert.Contains("--policy", OptionSchema.For<PolicyOptions>().Knobs.Select(k => k.Flag));
    }

    [Fact]
    public void AnUnknownPolicy_NamesTheChoices()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Parse(("--policy", "lstm")));
        Assert.Contains("--policy must be one of mlp, gru", e.Message);
    }

    [Fact]
    public void AGruWithoutLayers_OrWithAnMlpActivation_IsRejected_NamingTheFlagsAndProperties()
    {
        var depth = Assert.Throws<OptionsException>(() => new PolicyOptions { Architecture = PolicyArchitecture.Gru, Depth = 0 }.Validate());
        Assert.Contains("--depth 0 with --policy gru", depth.Message);
        Assert.Contains("use --depth 1 or more, or --policy mlp", depth.Message);
        Assert.Contains("[C#: PolicyOptions.Depth, PolicyOptions.Architecture]", depth.Message);
        var relu = Assert.Throws<OptionsException>(() => new PolicyOptions { Architecture = PolicyArchitecture.Gru, Activation = MlpActivation.Relu }.Validate());
        Assert.Contains("--activation relu with --policy gru", relu.Message);
        new PolicyOptions { Depth = 0 }.Validate();                                   // a linear MLP is fine
        new PolicyOptions { Architecture = PolicyArchitecture.Gru, Depth = 1 }.Validate();
        // The same rule from inside a bake's options (the record a sweep file or --options gives).
        var bake = Assert.Throws<OptionsException>(() => new BakeOptions { Policy = new PolicyOptions { Architecture = PolicyArchitecture.Gru, Depth = 0 } }.Validate());
        Assert.Contains("--policy gru", bake.Message);
    }
}
