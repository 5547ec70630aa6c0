using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Options;
using LatentLab.Probes;

namespace LatentLab.Cli.Tests;

public sealed class BadInputTests
{
    [Fact]
    public async Task OutOfRange_Exits2_WithTheRecordsMessage_AndNoStackTrace()
    {
        var expected = OptionSchema.For<BanditTrainingOptions>().Problems(new BanditTrainingOptions { Arms = 1 }).Single();

        var (code, output, error) = await CliHost.RunAsync("bandit-train", "--arms", "1", "--progress", "none");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", output);
        Assert.Equal($"latentlab bandit-train: {expected}", error.Trim());
        Assert.DoesNotContain(" at ", error);
    }

    [Fact]
    public async Task CrossKnobRule_Exits2_WithTheRecordsRuleMessage()
    {
        var expected = OptionSchema.For<CotSyntheticOptions>().Problems(new CotSyntheticOptions { Width = 30, Heads = 4 }).Single();

        var (code, _, error) = await CliHost.RunAsync("cot-synthetic", "--width", "30", "--heads", "4");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public async Task UnparsableValue_Exits2_WithTheKnobsParseMessage()
    {
        var knob = OptionSchema.For<ProbeSweepOptions>().Find("--c")!;
        var expected = Assert.Throws<ArgumentException>(() => knob.Parse("0,5")).Message;

        var (code, _, error) = await CliHost.RunAsync("probe-sweep", "--activations", "x.npy", "--c", "0,5");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("bandit-train --bogus 3", "--bogus")]
    [InlineData("bandit-train --arms", "--arms")]
    [InlineData("no-such-command", "no-such-command")]
    public async Task ParseErrors_Exit2_AndPointToHelp(string line, string named)
    {
        var (code, _, error) = await CliHost.RunAsync(line.Split(' '));

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(named, error);
        Assert.Contains("--help", error);
    }

    [Fact]
    public async Task MissingInputFile_Exits2_NamingTheFile()
    {
        var folder = CliHost.TempFolder();
        var missing = Path.Combine(folder, "nope.ckpt");

        var (code, _, error) = await CliHost.RunAsync("bandit-eval", "--load", missing, "--out-dir", folder, "--progress", "none");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("nope.ckpt", error);
        Assert.DoesNotContain(" at LatentLab", error);
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public async Task RequiredInput_Missing_Exits2_WithTheKnobsMessage()
    {
        var (code, _, error) = await CliHost.RunAsync("probe-sweep", "--progress", "none");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--activations is required", error);
    }

    [Fact]
    public async Task OptionsFile_WithAnUnknownKey_Exits2_NamingTheFileAndTheKey()
    {
        var folder = CliHost.TempFolder();
        var file = Path.Combine(folder, "options.json");
        await File.WriteAllTextAsync(file, """{"armz": 3}""");

        var (code, _, error) = await CliHost.RunAsync("bandit-train", "--options", file);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("options.json", error);
        Assert.Contains("armz is not an option of BanditTrainingOptions", error);
    }
}
