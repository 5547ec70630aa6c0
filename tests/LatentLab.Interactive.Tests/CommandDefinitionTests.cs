using LatentLab.Interactive.Commands;
using LatentLab.Options;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Tests;

/// <summary>Mistakes in a command file or an options record are caught when the definition is created, with a message saying what to fix.</summary>
public class CommandDefinitionTests
{
    public sealed class ClashingCommand : LatentLabCommand;

    public sealed class BadExampleCommand : LatentLabCommand;

    public sealed record ClashingInputs
    {
        [Knob("--device", "A second --device.")]
        public string Device { get; init; } = "cpu";
    }

    public sealed record ArmsOnly
    {
        [Knob("--arms", "d", Min = 2, Max = 10)]
        public int Arms { get; init; } = 5;
    }

    public sealed record UnsupportedKnob
    {
        [Knob("--when", "d")]
        public DateTime When { get; init; }
    }

    static Task Handle<T>(T command, KernelInvocationContext context) => Task.CompletedTask;

    [Fact]
    public void TwoRecordsDeclaringTheSameFlag_AreRejectedNamingBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => CommandDefinition.Create<ClashingCommand>(
            "#!clashing", "d", "#!clashing", Handle, inputs: [typeof(ClashingInputs)]));
        Assert.Contains("--device is declared twice", e.Message);
        Assert.Contains("ClashingInputs", e.Message);
    }

    [Fact]
    public void ExampleUsingAnUnknownOption_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => CommandDefinition.Create<BadExampleCommand>(
            "#!bad-example", "d", "#!bad-example --arms 5 --horizon 9", Handle, options: typeof(ArmsOnly)));
        Assert.Contains("uses --horizon, which is not one of its options", e.Message);
    }

    [Fact]
    public void KnobOfAnUnsupportedType_IsRejectedNamingTheProperty()
    {
        var e = Assert.Throws<ArgumentException>(() => OptionSchema.For<UnsupportedKnob>());
        Assert.Contains("UnsupportedKnob.When", e.Message);
    }

    [Theory]
    [InlineData("PerArm", "per-arm")]
    [InlineData("Ucb1", "ucb1")]
    [InlineData("Start", "start")]
    [InlineData("EpsGreedy", "eps-greedy")]
    public void EnumMembers_AreWrittenInKebabCase(string member, string flag) => Assert.Equal(flag, Knob.Kebab(member));
}
