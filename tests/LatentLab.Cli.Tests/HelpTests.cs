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
        Assert.NotNull(command.OptionsType);
        var records = new[] { command.OptionsType!, typeof(CliKnobs) }.Concat(command.Schemas.Select(s => s.RecordType)).Distinct();
        int knobs = 0;
        foreach (var record in records)
        {
            foreach (var knob in OptionSchema.For(record).Knobs.Where(k => !k.IsHidden))
            {
                knobs++;
                Assert.Contains(knob.Flag + " ", help);
                Assert.Contains(CliHost.Flat(knob.Help), help);
                // The default as the record's initializer gives it (or the knob's own wording of it).
                var expected = knob.Attribute.Required ? "required]" : "default: " + knob.Format(knob.Default) + "]";
                if (knob.Attribute.DefaultText is { } text) expected = "default: " + text + "]";
                Assert.Contains(CliHost.Flat($"{knob.Help} ["), help);
                var at = help.IndexOf(CliHost.Flat(knob.Help) + " [", StringComparison.Ordinal);
                var end = help.IndexOf(']', at);
                Assert.EndsWith(expected, help[at..(end + 1)]);
                if (knob.OffFlag is { } off) Assert.Contains(off + " ", help);
            }
        }
        Assert.True(knobs >= 8, $"{name}: only {knobs} knobs found");
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
