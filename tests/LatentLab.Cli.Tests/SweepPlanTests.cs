using LatentLab.Cli.Commands;
using LatentLab.Sweeps;

namespace LatentLab.Cli.Tests;

/// <summary>Planning a sweep: grid and seeds read and checked against the command's knobs, point names, the folder's manifest.</summary>
public sealed class SweepPlanTests
{
    static SweepPlan Plan(string grid, string seeds = "0", string command = "bandit-train", string fixedOptions = "") =>
        SweepPlan.Create(new SweepOptions { Command = command, Grid = grid, Seeds = seeds, Fixed = fixedOptions, Folder = "unused" }, SweepCli.Commands());

    [Fact]
    public void Grid_TimesSeeds_GivesEveryPoint_WithTheSeedAndOneThread()
    {
        var plan = Plan("hidden=8,16; lr=0.01,0.003,0.001", "0-1,5", fixedOptions: "steps=10");
        Assert.Equal(2 * 3 * 3, plan.Points.Count);
        Assert.Equal(6, plan.Settings);
        Assert.Equal([0, 1, 5], plan.Seeds);
        var p = plan.Points[4];   // setting 1 (hidden 8, lr 0.003), seed 1
        Assert.Equal(1, p.Setting);
        Assert.Equal(1, p.Seed);
        Assert.Equal(["bandit-train", "--steps", "10", "--hidden", "8", "--lr", "0.003", "--seed", "1", "--threads", "1"], p.Arguments);
        Assert.StartsWith("hidden-8_lr-0.003_seed-1_", p.Name);
        Assert.Equal(plan.Points.Count, plan.Points.Select(x => x.Name).Distinct().Count());
        Assert.All(plan.Points, x => Assert.Matches("^[A-Za-z0-9._~+-]+$", x.Name));
        // Stable: the same sweep planned again names its points the same way, so a resume finds them.
        Assert.Equal(plan.Points.Select(x => x.Name), Plan("hidden=8,16; lr=0.01,0.003,0.001", "0-1,5", fixedOptions: "steps=10").Points.Select(x => x.Name));
        Assert.Equal(plan.Id, Plan("hidden=8,16; lr=0.01,0.003,0.001", "0-1,5", fixedOptions: "steps=10").Id);
        Assert.NotEqual(plan.Id, Plan("hidden=8,16; lr=0.01,0.003,0.001", "0-1,5", fixedOptions: "steps=20").Id);
    }

    [Theory]
    [InlineData("0-3", new[] { 0, 1, 2, 3 })]
    [InlineData("0,3,5", new[] { 0, 3, 5 })]
    [InlineData("0-2, 10, 1", new[] { 0, 1, 2, 10 })]
    [InlineData("7", new[] { 7 })]
    public void Seeds_RangesAndLists(string text, int[] expected) => Assert.Equal(expected, SweepSeeds.Parse(text));

    [Theory]
    [InlineData("", "--seeds is empty")]
    [InlineData("3-1", "runs backwards")]
    [InlineData("0,,2", "empty item")]
    [InlineData("a-3", "'a' is not a seed")]
    public void BadSeeds_SayWhatIsWrong(string text, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => SweepSeeds.Parse(text)).Message);

    [Theory]
    [InlineData("bandit-train", "", "--grid is empty")]
    [InlineData("bandit-train", "hiden=8,16", "hiden is not an option of bandit-train; its options are")]
    [InlineData("bandit-train", "hidden=8,0", "--hidden")]                       // out of range (Min 1)
    [InlineData("bandit-train", "hidden=8,x", "expects a whole number")]
    [InlineData("bandit-train", "hidden=", "no values")]
    [InlineData("bandit-train", "hidden=8; hidden=16", "given twice")]
    [InlineData("bandit-train", "out-dir=a,b", "set by the sweep itself")]
    [InlineData("bandit-train", "seed=1,2", "give seeds with --seeds")]
    [InlineData("no-such-command", "hidden=8", "latentlab has no such command; a sweep can run bandit-train")]
    public void BadGrid_IsRefusedBeforeAnythingRuns(string command, string grid, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Plan(grid, command: command));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void OutOfRangeValue_NamesTheOptionAndItsRange()
    {
        var e = Assert.Throws<ArgumentException>(() => Plan("hidden=8,0"));
        Assert.StartsWith("--grid: ", e.Message);
        Assert.Contains("BanditTrainingOptions.Hidden", e.Message);
    }

    [Fact]
    public void Folder_HoldingAnotherSweep_IsRefused_TheSameSweepResumes()
    {
        var folder = CliHost.TempFolder();
        var first = Plan("hidden=8,16", "0-1");
        SweepFolder.Open(folder, first);
        Assert.True(File.Exists(Path.Combine(folder, SweepFolder.ManifestFile)));
        SweepFolder.Open(folder, Plan("hidden=8,16", "0-1"));   // same sweep: opens (resume)
        var e = Assert.Throws<ArgumentException>(() => SweepFolder.Open(folder, Plan("hidden=8,32", "0-1")));
        Assert.Contains("holds another sweep", e.Message);
        Assert.Contains("hidden=8,16", e.Message);

        var other = CliHost.TempFolder();
        File.WriteAllText(Path.Combine(other, "notes.txt"), "mine");
        Assert.Contains("holds other files", Assert.Throws<ArgumentException>(() => SweepFolder.Open(other, first)).Message);
    }

    [Fact]
    public void SlurmScript_HasTheArray_TheLimit_AndEverySbatchOption()
    {
        var folder = CliHost.TempFolder();
        var options = new SweepOptions
        {
            Command = "bandit-train", Grid = "hidden=8,16", Seeds = "0-2", Folder = folder, On = SweepBackend.Slurm, Workers = 2,
            Partition = "gpu", Time = "00:10:00", Mem = "4G", Gres = "gpu:1", Sbatch = "--account=lab; --qos=short", CpusPerTask = 3,
        };
        var plan = SweepPlan.Create(options, SweepCli.Commands());
        var sweepFolder = SweepFolder.Open(folder, plan);
        var script = File.ReadAllText(SlurmSweepRunner.WriteScript(sweepFolder, new SweepTool("/usr/bin/latentlab", []), [plan.Points[0], plan.Points[1], plan.Points[2], plan.Points[5]]));
        foreach (var line in new[] { "#SBATCH --array=0-2,5%2", "#SBATCH --partition=gpu", "#SBATCH --time=00:10:00", "#SBATCH --mem=4G", "#SBATCH --gres=gpu:1",
                     "#SBATCH --cpus-per-task=3", "#SBATCH --account=lab", "#SBATCH --qos=short" })
            Assert.Contains(line + "\n", script);
        Assert.Contains("export OMP_NUM_THREADS=1 ", script);
        Assert.Contains($"  5) dir='{sweepFolder.PointFolder(plan.Points[5])}'; cmd=('/usr/bin/latentlab' 'bandit-train' '--hidden' '16' '--seed' '2'", script);
        Assert.DoesNotContain("  3) ", script);
        Assert.Equal("0-3,7,9-10", SlurmSweepRunner.Ranges([9, 0, 1, 2, 3, 7, 10]));
    }

    [Fact]
    public void SlurmSettings_WithALocalSweep_AreRefused() =>
        Assert.Contains("are Slurm settings",
            Assert.Throws<LatentLab.Options.OptionsException>(() => SweepPlan.Create(new SweepOptions { Command = "bandit-train", Grid = "hidden=8", Folder = "x", Gres = "gpu:1" },
                SweepCli.Commands())).Message);

    [Fact]
    public void ListCommands_GivesEveryOtherCommandWithItsRecords()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(SweepCli.ListJson())!.AsArray();
        var names = json.Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(CliCommands.All.Where(c => c.Name != "sweep").Select(c => c.Name), names);
        var train = json.First(c => c!["name"]!.GetValue<string>() == "bandit-train")!;
        Assert.Contains(train["records"]!.AsArray(), r => r!["type"]!.GetValue<string>() == typeof(LatentLab.Imitation.BanditTrainingOptions).FullName);
    }
}
