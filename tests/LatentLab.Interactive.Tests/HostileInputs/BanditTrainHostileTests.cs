using LatentLab.Imitation;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>#!bandit-train with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class BanditTrainHostileTests
{
    const string Tiny = "--arms 3 --train-horizon 10 --hidden 8 --steps 20 --batch 32 --seed 1 --device cpu";

    [Theory]
    // The rollout: every option at or near its maximum (~1 TB of tape, labels and inputs per step).
    [InlineData("--batch 65536 --train-horizon 10000 --arms 64", "--batch")]
    [InlineData("--batch 65536 --train-horizon 2000 --arms 32 --architecture joint", "--batch")]
    // The network: the widest, deepest LSTM (weights with Adam's state, and one gradient chunk's activations).
    [InlineData("--hidden 4096 --layers 8", "--hidden")]
    public async Task HugeButInRangeOptions_AreRefusedAtOnce_NamingTheEstimateTheAvailableMemoryAndTheOptionToLower(string options, string lower)
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!bandit-train {Tiny} --out earlier")).AssertSucceeded();

        var (result, elapsed) = await kernel.TimedAsync($"#!bandit-train {options} --steps 1 --device cpu --out model");

        result.AssertCleanFailure("#!bandit-train:", "need about", "available (", $"Lower {lower}");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(("earlier", typeof(TrainedStudent)));
    }

    [Fact]
    public async Task HostileLines_FailCleanly_AndTheKernelKeepsEarlierResults()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!bandit-train {Tiny} --out earlier")).AssertSucceeded();
        (await kernel.SubmitAsync("LatentLab.Imitation.BanditTrainingOptions noRecord = null; var record = new LatentLab.Imitation.BanditTrainingOptions { Threads = 100_000 };")).AssertSucceeded();

        var cases = new (string Line, string[] Expect)[]
        {
            ("#!bandit-train --steps 3 --arms", ["--arms needs a value"]),
            ("#!bandit-train --arms abc", ["--arms", "abc"]),
            ("#!bandit-train --seed 99999999999999999999", ["--seed", "99999999999999999999"]),             // past 64 bits
            ("#!bandit-train --options noRecord", ["noRecord", "holds null"]),
            ("#!bandit-train --options record", ["--options record: --threads", "100000"]),   // the record's value: names the variable
            ("#!bandit-train --min-train-arms 9 --arms 5", ["--min-train-arms", "--arms"]),
        };
        foreach (var (line, expect) in cases)
        {
            // Small sizes after the case: a line that slipped through would train in a second and fail the check, not run for minutes.
            var result = await kernel.SubmitAsync(line + " --train-horizon 5 --hidden 4 --batch 4 --device cpu --out model");
            result.AssertCase(line, expect);
            await kernel.AssertAliveAsync(("earlier", typeof(TrainedStudent)));
        }
    }

    [Fact]
    public async Task SaveToADirectoryOrUnderAFile_IsAWarning_TheStudentStaysBound()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var dir = Directory.CreateTempSubdirectory("latentlab-hostile-save-");
        try
        {
            var file = Path.Combine(dir.FullName, "plain.txt");
            File.WriteAllText(file, "not a folder");

            var intoDirectory = await kernel.SubmitAsync($"#!bandit-train {Tiny} --save {dir.FullName} --out intoDir");
            intoDirectory.AssertSucceeded();
            Assert.Contains("is a directory, give a file", intoDirectory.Text());
            Assert.Contains("intoDir.Save(", intoDirectory.Text());
            await kernel.AssertAliveAsync(("intoDir", typeof(TrainedStudent)));

            var underFile = await kernel.SubmitAsync($"#!bandit-train {Tiny} --save {Path.Combine(file, "m.ckpt")} --out underFile");
            underFile.AssertSucceeded();
            Assert.Contains("is a file, not a folder", underFile.Text());
            HostileChecks.AssertClean(underFile.Text());
            await kernel.AssertAliveAsync(("intoDir", typeof(TrainedStudent)), ("underFile", typeof(TrainedStudent)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Save_RemovesTheTempFilesOfAKilledSave_ButNotOnesStillBeingWritten_NorOtherFiles()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var dir = Directory.CreateTempSubdirectory("latentlab-hostile-tmp-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.ckpt");
            // What kill -9 during a save leaves: LatentLab's own temp name beside the checkpoint, no process holding it.
            var stale = Path.Combine(dir.FullName, ".model.ckpt.0123abcd.tmp");
            File.WriteAllBytes(stale, new byte[1 << 20]);
            // A save in progress (its writer holds the file) and files that only look alike stay.
            var writing = Path.Combine(dir.FullName, ".model.ckpt.89abcdef.tmp");
            using var writer = new FileStream(writing, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            var others = new[] { ".model.ckpt.notours.tmp", ".other.ckpt.0123abcd.tmp", "model.ckpt.0123abcd.tmp" }.Select(n => Path.Combine(dir.FullName, n)).ToArray();
            foreach (var o in others) File.WriteAllText(o, "keep");

            var saved = await kernel.SubmitAsync($"#!bandit-train {Tiny} --save {path} --out saved");

            saved.AssertSucceeded();
            Assert.True(File.Exists(path));
            Assert.False(File.Exists(stale), "the killed save's temp file is still there");
            Assert.True(File.Exists(writing), "a temp file still being written was deleted");
            Assert.All(others, o => Assert.True(File.Exists(o), $"{o} is not LatentLab's temp file but was deleted"));
            await kernel.AssertAliveAsync(("saved", typeof(TrainedStudent)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
