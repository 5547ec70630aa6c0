using LatentLab.Bandits;
using LatentLab.Imitation;
using LatentLab.Interactive.Commands;
using LatentLab.Interactive.Help;
using LatentLab.Interactive.Tests.TestCommands;
using LatentLab.Models;
using LatentLab.Options;
using LatentLab.Probes;
using Microsoft.DotNet.Interactive.Directives;

namespace LatentLab.Interactive.Tests;

/// <summary>
/// Every flag, help line, default, completion and validation message of every command comes from its options records:
/// nothing about a knob is written a second time in the adapter.
/// </summary>
public class SingleSourceTests
{
    static IEnumerable<CommandDefinition> Commands => LatentLabCommands.All.Append(EchoTestCommand.Definition);

    [Fact]
    public async Task EveryKnobOfEveryRecord_IsAFlagWithTheRecordsHelpDefaultAndRange()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);
        var help = await HelpCatalog.CollectAsync(kernel);
        foreach (var definition in Commands)
        {
            var directive = kernel.KernelInfo.SupportedDirectives.OfType<KernelActionDirective>().Single(d => d.Name == definition.Name);
            var shown = help.Single(c => c.Name == definition.Name);
            foreach (var schema in definition.Schemas)
            {
                foreach (var knob in schema.Knobs.Where(k => !k.IsHidden && definition.Option(k.Flag) is not null))
                {
                    var parameter = directive.Parameters.SingleOrDefault(p => p.Name == knob.Flag);
                    Assert.True(parameter is not null, $"{definition.Name}: {knob.Flag} ({schema.RecordType.Name}.{knob.Property.Name}) is not a parameter");
                    if (knob.Flag != "--options")          // its help names the command's own record
                        Assert.Equal(knob.Help, parameter!.Description);
                    Assert.Equal(knob.IsSwitch, parameter!.Flag);
                    var option = shown.Options.Single(o => o.Name == knob.Flag);
                    if (knob.Flag != "--out")
                        Assert.Equal(knob.DefaultText, option.Default);
                    if (!knob.IsSwitch && knob.AllowedText is { } allowed && knob.Choices is null)
                        Assert.Equal(allowed, option.Allowed);
                    if (knob.Choices is { Count: > 0 } choices && !knob.IsSwitch)
                        Assert.Equal(choices, (await parameter.GetValueCompletionsAsync()).Select(c => c.DisplayText));
                    if (knob.OffFlag is { } off)
                        Assert.Contains(directive.Parameters, p => p.Name == off && p.Flag);
                }
            }
        }
    }

    [Fact]
    public void TheDefaultsShownAreTheRecordsInitializers()
    {
        // The one place a default is written is the property initializer: help shows exactly that value.
        var schema = OptionSchema.For<BanditTrainingOptions>();
        Assert.Equal("2500", schema.Find("--steps")!.DefaultText);
        Assert.Equal(new BanditTrainingOptions().Steps.ToString(System.Globalization.CultureInfo.InvariantCulture), schema.Find("--steps")!.DefaultText);
        Assert.Equal("on", OptionSchema.For<ProbeSweepOptions>().Find("--control")!.DefaultText);
        Assert.True(new ProbeSweepOptions().Control);
        Assert.Equal("per-arm", schema.Find("--architecture")!.DefaultText);
        Assert.Equal("model", BanditTrainCommand.Definition.Option("--out")!.Default);
    }

    [Theory]
    [InlineData("#!bandit-train --arms 1", "--arms must be from 2 to 64 (got 1).")]
    [InlineData("#!bandit-train --threads 100000", "--threads must be from 0 to 1024 (got 100000).")]
    [InlineData("#!bandit-train --lr 0", "--lr must be above 0 and at most 1 (got 0).")]
    [InlineData("#!cot-synthetic --width 30 --heads 4", "--width 30 must be a multiple of --heads 4")]
    [InlineData("#!probe-sweep --bins 3 --align end", "--bins and --align end do not combine")]
    [InlineData("#!bandit-eval --episodes 1", "--episodes must be from 2 to 1000000 (got 1).")]
    public async Task ALineOutOfRange_FailsWithTheRecordsOwnMessage(string line, string message)
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var failure = (await kernel.SubmitAsync(line)).Failure();
        Assert.NotNull(failure);
        Assert.Contains(message, failure!.Message);
    }

    [Fact]
    public void ARecordFromCSharp_GetsTheSameMessageAsTheLine()
    {
        var e = Assert.Throws<OptionsException>(() => new BanditTrainingOptions { Threads = 100_000 }.Validate());
        Assert.Equal("--threads must be from 0 to 1024 (got 100000). [C#: BanditTrainingOptions.Threads]", e.Message);
        var rule = Assert.Throws<OptionsException>(() => new CotSyntheticOptions { Width = 30, Heads = 4 }.Validate());
        Assert.Contains("--width 30 must be a multiple of --heads 4", rule.Message);
        Assert.EndsWith("[C#: CotSyntheticOptions.Width, CotSyntheticOptions.Heads]", rule.Message);
        Assert.Throws<OptionsException>(() => new BanditEvaluationOptions { Horizon = 0 }.Validate());
    }

    [Fact]
    public async Task AnOptionsRecordOutOfRange_IsRefusedBeforeTraining_AndTheKernelLives()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync("var rec = new LatentLab.Imitation.BanditTrainingOptions { Threads = 100_000 };")).AssertSucceeded();
        var failure = (await kernel.SubmitAsync("#!bandit-train --options rec --device cpu --out m")).Failure();
        Assert.NotNull(failure);
        Assert.Contains("--threads must be from 0 to 1024 (got 100000).", failure!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }

    [Fact]
    public async Task LineOptionsApplyOverAnOptionsRecord()
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);
        (await kernel.SubmitAsync("var rec = new LatentLab.Interactive.Tests.TestCommands.EchoOptions { Count = 9, Scale = 0.25 };")).AssertSucceeded();
        (await kernel.SubmitAsync("#!test-echo --options rec --count 4 --no-loud --out e")).AssertSucceeded();
        var echoed = kernel.Bound<EchoResult>("e");
        Assert.Equal(4, echoed.Count);          // the line wins
        Assert.Equal(0.25, echoed.Scale);       // the record fills the rest
        Assert.False(echoed.Loud);              // the off flag of a switch that is on by default
    }

    [Theory]
    [InlineData("#!test-echo --count abc", "--count expects a whole number (1 to 10); got 'abc'.")]
    [InlineData("#!test-echo --count 5.5", "--count expects a whole number (1 to 10), without a decimal point; got '5.5'.")]
    [InlineData("#!test-echo --scale 0,5", "--scale expects a number (0 to 1), with a point as the decimal separator (0.01, not 0,01); got '0,5'.")]
    [InlineData("#!test-echo --count 99999999999", "--count must be from 1 to 10 (got 99999999999).")]
    [InlineData("#!test-echo --count", "--count needs a value (1 to 10), e.g. --count 3.")]
    [InlineData("#!test-echo --count --scale 0.5", "--count needs a value")]
    [InlineData("#!test-echo --count 8", "--count 8 needs --scale above 0.9")]
    [InlineData("#!test-echo --loud --no-loud", "--loud and --no-loud exclude each other")]
    [InlineData("#!test-echo --policies ucb1,exp3", "--policies: 'exp3' not known")]
    public async Task BadValues_NameTheOptionTheValueAndWhatIsAllowed(string line, string message)
    {
        using var kernel = await KernelTestHost.CreateAsync(withTestCommand: true);
        var failure = (await kernel.SubmitAsync(line)).Failure();
        Assert.NotNull(failure);
        Assert.Contains(message, failure!.Message);
        Assert.DoesNotContain("DNI106", failure.Message);
    }
}
