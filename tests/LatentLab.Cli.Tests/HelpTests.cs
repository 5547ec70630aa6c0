using LatentLab.Options;

namespace LatentLab.Cli.Tests;

public sealed class HelpTests
{
    public static TheoryData<string> Commands() => new(CliCommands.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_ListsEveryKnobOfTheRecords_WithItsHelpAndDefault(string name)
    {
        var command = CliCommands.All.Single(c => c.Name == name);
        var (code, output, error) = await CliHost.RunAsync(name, "--help");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", error);
        var help = CliHost.Flat(output);
        // Every record's knobs (a view, such as GRPO's own knobs beside PPO's, holds only its part of its record).
        var schemas = new[] { OptionSchema.For<CliKnobs>() }.Concat(command.Schemas).Distinct();
        int knobs = 0;
        foreach (var schema in schemas)
        {
            foreach (var knob in schema.Knobs.Where(k => !k.IsHidden))
            {
                knobs++;
                Assert.Contains(knob.Flag + " ", help);
                Assert.Contains(CliHost.Flat(knob.Help), help);
                // The default as the record's initializer gives it (or the knob's own wording of it).
                var expected = knob.Attribute.Required ? "required]" : "default: " + knob.Format(knob.Default) + "]";
                if (knob.Attribute.DefaultText is { } text) expected = "default: " + text + "]";
                Assert.Contains(CliHost.Flat($"{knob.Help} ["), help);
                var at = help.IndexOf(CliHost.Flat(knob.Help) + " [", StringComparison.Ordinal);
                var end = help.IndexOf(']', at + CliHost.Flat(knob.Help).Length);   // the help itself may hold brackets
                Assert.EndsWith(expected, help[at..(end + 1)]);
                if (knob.OffFlag is { } off) Assert.Contains(off + " ", help);
            }
        }
        Assert.True(knobs >= 7, $"{name}: only {knobs} knobs found");
        Assert.Contains("Example: latentlab " + name, help);
    }

    [Fact]
    public async Task Help_OfTheTool_ListsEveryCommand()
    {
        var (code, output, _) = await CliHost.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var command in CliCommands.All) Assert.Contains(command.Name, output);
    }
}
