using LatentLab.Imitation;
using LatentLab.Torch;

namespace LatentLab.Cli.Tests;

/// <summary>
/// Hostile output paths and option files for every command (they share CliRun's checks): an --out-dir that can never hold
/// files is refused before the run computes anything; a result file that cannot be written where asked after the run goes to
/// a rescue folder (the finished run is never lost); stale temp files of a killed write are removed on the next write.
/// </summary>
public sealed class HostileOutputTests
{
    static readonly string[] Tiny = ["--arms", "3", "--steps", "3", "--batch", "4", "--hidden", "4", "--train-horizon", "10", "--seed", "1",
        "--device", "cpu", "--progress", "none"];

    [Theory]
    [InlineData("bandit-train")]
    [InlineData("cot-synthetic")]
    [InlineData("rl-bake")]
    public async Task AnOutDirThatIsAFile_OrLiesUnderOne_IsRefusedBeforeTheRun_NamingTheOption(string command)
    {
        var folder = CliHost.TempFolder();
        var file = Path.Combine(folder, "taken");
        File.WriteAllText(file, "not a folder");

        var (code, output, error) = await CliHost.RunAsync(command, "--out-dir", file, "--progress", "none");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", output);
        Assert.Contains($"--out-dir {file} is a file; give a folder", error);

        (code, _, error) = await CliHost.RunAsync(command, "--out-dir", Path.Combine(file, "sub"), "--progress", "none");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"lies under {file}, which is a file", error);
        Assert.DoesNotContain(" at ", error);
    }

    [Fact]
    public async Task AResultFileWhoseNameIsTakenByAFolder_GoesToARescueFolder_AndTheFinishedStudentLoads()
    {
        var folder = CliHost.TempFolder();
        Directory.CreateDirectory(Path.Combine(folder, "student.ckpt"));

        var (code, _, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--out-dir", folder]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("cannot write student.ckpt into --out-dir", error);
        var rescued = error.Split(' ', '\n').First(w => w.EndsWith("student.ckpt", StringComparison.Ordinal) && w.Contains("latentlab-rescue-bandit-train-"));
        using var student = TrainedStudent.Load(rescued, TorchRuntime.ResolveDevice("cpu"));
        Assert.Equal(3, student.StepsCompleted);
        Assert.True(File.Exists(Path.Combine(folder, "student-history.csv")));   // the file that could be written is where asked
        Assert.Contains("Move them where you want them", error);
        Directory.Delete(Path.GetDirectoryName(rescued)!, recursive: true);
    }

    [Fact]
    public async Task ASummaryThatIsAFolder_AndAnOptionsFileThatIsAFolder_AreNamedAsFolders()
    {
        var folder = CliHost.TempFolder();

        var (code, _, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--out-dir", folder, "--summary", folder]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--summary {folder} is a folder", error);
        Assert.False(File.Exists(Path.Combine(folder, "student.ckpt")));            // refused before training

        (code, _, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--options", folder]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--options {folder} is a folder; give the JSON file", error);
        Assert.DoesNotContain("no such file", error);
    }

    [Fact]
    public async Task StaleTempFilesOfAKilledWrite_AreRemovedByTheNextWrite_OthersAreKept()
    {
        var folder = CliHost.TempFolder();
        string[] stale = [".student-history.csv.0123abcd.tmp", ".summary.json.89abcdef.tmp"];
        string[] foreign = [".student-history.csv.notours.tmp", "student-history.csv.0123abcd.tmp", ".other.csv.0123abcd.tmp"];
        foreach (var name in stale.Concat(foreign)) File.WriteAllText(Path.Combine(folder, name), "left by a killed run");

        var (code, _, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--out-dir", folder, "--summary", Path.Combine(folder, "summary.json")]);

        Assert.True(code == ExitCodes.Ok, error);
        foreach (var name in stale) Assert.False(File.Exists(Path.Combine(folder, name)), $"{name} was left behind");
        foreach (var name in foreign) Assert.True(File.Exists(Path.Combine(folder, name)), $"{name} is not ours and was removed");
        Assert.Empty(Directory.GetFiles(folder, ".student.ckpt.*.tmp"));
    }

    [Theory]
    [InlineData("--grid", "hidden=16,16", "lists the value 16 2 times")]
    [InlineData("--grid", "lr=0,01", "'01' in 'lr=0,01' looks like the decimals of a number written with a decimal comma")]
    [InlineData("--fixed", "lr=0,01", "'01' in 'lr=0,01' looks like")]
    public async Task SweepGridValues_TypedWithADecimalCommaOrTwice_AreRefused(string option, string value, string expected)
    {
        var folder = CliHost.TempFolder();
        string[] grid = option == "--grid" ? [] : ["--grid", "hidden=8,16"];
        var (code, _, error) = await CliHost.RunAsync(["sweep", "--command", "bandit-train", option, value, .. grid, "--folder", Path.Combine(folder, "s")]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(expected, error);
        Assert.False(Directory.Exists(Path.Combine(folder, "s")));
    }

    [Fact]
    public async Task ASweepFolderThatIsAFile_IsNamedAsAFile()
    {
        var file = Path.Combine(CliHost.TempFolder(), "taken");
        File.WriteAllText(file, "x");

        var (code, _, error) = await CliHost.RunAsync("sweep", "--command", "bandit-train", "--grid", "hidden=8,16", "--folder", file);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--folder {file} is a file; give a folder for the sweep", error);
        Assert.DoesNotContain("already exists", error);
    }
    // A write that fails part way (disk full, EFBIG, permission taken away) is injected through CliRun.WriteFault, which wraps
    // the writer of the named result file for this test's run only.
    [Theory]
    [InlineData("student-history.csv", "No space left on device")]
    [InlineData("student.ckpt", "File too large")]
    public async Task AResultFileWhoseWriteFailsPartWay_GoesToTheRescueFolder_AndSaysSo(string failing, string reason)
    {
        var folder = CliHost.TempFolder();
        CliRun.WriteFault.Value = (name, write) => name != failing ? write : path =>
        {
            if (path.StartsWith(folder, StringComparison.Ordinal)) throw new IOException($"{reason} : '{path}'");
            write(path);
        };
        try
        {
            var (code, output, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--out-dir", folder]);

            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"cannot write {failing} into --out-dir {folder} (writing {Path.Combine(folder, failing)} failed: {reason}", error);
            Assert.Contains("Move them where you want them", error);
            Assert.DoesNotContain(" at ", error);
            var rescued = error.Split(' ', '\n').First(w => w.EndsWith(failing, StringComparison.Ordinal) && w.Contains("latentlab-rescue-bandit-train-"));
            Assert.Contains($"wrote {rescued}", output);
            Assert.False(File.Exists(Path.Combine(folder, failing)));
            if (failing == "student.ckpt")
            {
                using var student = TrainedStudent.Load(rescued, TorchRuntime.ResolveDevice("cpu"));
                Assert.Equal(3, student.StepsCompleted);
                Assert.True(File.Exists(Path.Combine(folder, "student-history.csv")));
            }
            else
            {
                Assert.StartsWith("step,loss,agreement", File.ReadAllText(rescued));
                Assert.True(File.Exists(Path.Combine(folder, "student.ckpt")));
            }
            Directory.Delete(Path.GetDirectoryName(rescued)!, recursive: true);
        }
        finally
        {
            CliRun.WriteFault.Value = null;
        }
    }

    [Fact]
    public async Task ASummaryWhoseWriteFailsPartWay_GoesToTheRescueFolder_AndSaysSo()
    {
        var folder = CliHost.TempFolder();
        var summary = Path.Combine(folder, "summary.json");
        CliRun.WriteFault.Value = (name, write) => name != "summary.json" ? write : path =>
        {
            if (path == summary) throw new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
            write(path);
        };
        try
        {
            var (code, output, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--out-dir", folder, "--summary", summary]);

            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains($"cannot write summary.json into --summary {summary} (writing {summary} failed: Access to the path", error);
            var rescued = error.Split(' ', '\n').First(w => w.EndsWith("summary.json", StringComparison.Ordinal) && w.Contains("latentlab-rescue-bandit-train-"));
            Assert.Contains("\"command\": \"bandit-train\"", File.ReadAllText(rescued));
            Assert.False(File.Exists(summary));
            Assert.Contains("wrote " + Path.Combine(folder, "student.ckpt"), output);     // the run's own files are where asked
            Directory.Delete(Path.GetDirectoryName(rescued)!, recursive: true);
        }
        finally
        {
            CliRun.WriteFault.Value = null;
        }
    }

    [Fact]
    public async Task AResultFileThatFailsInTheRescueFolderToo_IsAMessageNamingBothPlaces()
    {
        var folder = CliHost.TempFolder();
        CliRun.WriteFault.Value = (name, write) => name != "student-history.csv" ? write : path => throw new IOException($"No space left on device : '{path}'");
        try
        {
            var (code, _, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--out-dir", folder]);

            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains("student-history.csv could not be written into --out-dir", error);
            Assert.Contains("nor into the rescue folder", error);
            Assert.DoesNotContain(" at ", error);
        }
        finally
        {
            CliRun.WriteFault.Value = null;
        }
    }

    [Fact]
    public async Task AFileFormatsOwnComplaintWhileWriting_IsNotRetriedInTheRescueFolder()
    {
        var folder = CliHost.TempFolder();
        CliRun.WriteFault.Value = (name, write) => name != "student-history.csv" ? write
            : path => throw new LatentLab.Formats.ArrayFileException(path, "2 rows written of the 3 declared");
        try
        {
            var (code, _, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--out-dir", folder]);

            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains("2 rows written of the 3 declared", error);
            Assert.DoesNotContain("latentlab-rescue-", error);
        }
        finally
        {
            CliRun.WriteFault.Value = null;
        }
    }

    [Theory]
    [InlineData("""{"lr": 5}""", "--options {0}: --lr must be")]
    [InlineData("""{"lr": 5, "arms": 0}""", "--options {0}: --arms must be from 2 to 64 (got 0)")]
    [InlineData("""{"arms": [1, 2]}""", "--options {0}: \"arms\" holds a JSON list ([1,2]), but --arms takes one whole number (2 to 64)")]
    [InlineData("""{"lr": {"value": 0.1}}""", "--options {0}: \"lr\" holds a JSON object ({\"value\":0.1}), but --lr takes one number")]
    [InlineData("""{"seed": [1]}""", "\"seed\" holds a JSON list ([1])")]
    [InlineData("""{"steps": true}""", "--options {0}: --steps")]
    public async Task AnOptionsFileValueOfTheWrongRangeOrType_NamesTheFileAndTheOption(string json, string expected)
    {
        var folder = CliHost.TempFolder();
        var file = Path.Combine(folder, "run.json");
        File.WriteAllText(file, json);

        // Tiny sets --arms 3 on the line: the file's "arms" is overridden, so only what the line leaves to the file is the file's.
        string[] line = json.Contains("arms\": 0", StringComparison.Ordinal) ? ["--steps", "3", "--device", "cpu", "--progress", "none"] : Tiny;
        var (code, output, error) = await CliHost.RunAsync(["bandit-train", .. line, "--options", file, "--out-dir", folder]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", output);
        Assert.Contains(expected.Replace("{0}", file, StringComparison.Ordinal), error);
        Assert.DoesNotContain("'1,2'", error);
        Assert.False(File.Exists(Path.Combine(folder, "student.ckpt")));
    }

    [Fact]
    public async Task AnOptionsFileValueOutOfRange_ThatTheLineOverrides_Runs()
    {
        var folder = CliHost.TempFolder();
        var file = Path.Combine(folder, "run.json");
        File.WriteAllText(file, """{"arms": 0}""");

        var (code, _, error) = await CliHost.RunAsync(["bandit-train", .. Tiny, "--options", file, "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        using var student = TrainedStudent.Load(Path.Combine(folder, "student.ckpt"), TorchRuntime.ResolveDevice("cpu"));
        Assert.Equal(3, student.Options.Arms);
    }
}
