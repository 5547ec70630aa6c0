using LatentLab.Interactive.Commands;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Tests;

/// <summary>Mistakes in a command file are caught when the definition is created, with a message saying what to fix.</summary>
public class CommandDefinitionTests
{
    public sealed class MisspelledOptionCommand : LatentLabCommand
    {
        public int Arms { get; set; } = 5;
    }

    public sealed class FlagNotBoolCommand : LatentLabCommand
    {
        public string Dagger { get; set; } = "";
    }

    static Task Handle<T>(T command, KernelInvocationContext context) => Task.CompletedTask;

    [Fact]
    public void OptionWithoutProperty_IsRejectedNamingTheMissingProperty()
    {
        var e = Assert.Throws<ArgumentException>(() => CommandDefinition.Create<MisspelledOptionCommand>(
            "#!misspelled", "d", "#!misspelled", [CommandOption.Int("--arm-count", "d", 5, 2, 10)], Handle));
        Assert.Contains("--arm-count binds to a public settable property MisspelledOptionCommand.ArmCount, which does not exist", e.Message);
    }

    [Fact]
    public void SwitchOnANonBoolProperty_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => CommandDefinition.Create<FlagNotBoolCommand>(
            "#!flag-not-bool", "d", "#!flag-not-bool", [CommandOption.Switch("--dagger", "d")], Handle));
        Assert.Contains("--dagger is a switch and needs a bool property", e.Message);
    }

    [Fact]
    public void ExampleUsingAnUnknownOption_IsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => CommandDefinition.Create<MisspelledOptionCommand>(
            "#!bad-example", "d", "#!bad-example --arms 5 --horizon 9", [CommandOption.Int("--arms", "d", 5, 2, 10)], Handle));
        Assert.Contains("uses --horizon, which is not one of its options", e.Message);
    }

    [Theory]
    [InlineData("--train-horizon", "TrainHorizon")]
    [InlineData("--out", "Out")]
    [InlineData("--interval-ms", "IntervalMs")]
    public void OptionNames_MapToPascalCaseProperties(string option, string property) =>
        Assert.Equal(property, new CommandOption(option, "d").PropertyName);
}
