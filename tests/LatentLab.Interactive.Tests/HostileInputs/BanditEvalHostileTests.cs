using LatentLab.Bandits;
using LatentLab.Imitation;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>#!bandit-eval with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class BanditEvalHostileTests
{
    const string Tiny = "#!bandit-train --arms 3 --train-horizon 10 --hidden 8 --steps 20 --batch 32 --seed 1 --device cpu";

    [Theory]
    [InlineData("--episodes 1000000 --horizon 10000", "--episodes")]
    [InlineData("--episodes 200000 --horizon 10000 --arms 64", "--episodes")]
    public async Task HugeButInRangeOptions_AreRefusedAtOnce_NamingTheEstimateTheAvailableMemoryAndTheOptionToLower(string options, string lower)
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"{Tiny} --out student")).AssertSucceeded();
        (await kernel.SubmitAsync("#!bandit-eval --model student --horizon 20 --episodes 32 --baselines ucb1 --device cpu --out earlier")).AssertSucceeded();

        var (result, elapsed) = await kernel.TimedAsync($"#!bandit-eval --model student {options} --device cpu --out evaluation");

        result.AssertCleanFailure("#!bandit-eval:", "need about", "available (", $"Lower {lower}");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(("student", typeof(TrainedStudent)), ("earlier", typeof(BanditEvaluation)));
    }

    [Fact]
    public async Task DisposedNullAndDirectoryInputs_GetTheirOwnMessages_AndTheKernelKeepsEarlierResults()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var dir = Directory.CreateTempSubdirectory("latentlab-hostile-eval-");
        try
        {
            (await kernel.SubmitAsync($"{Tiny} --out student")).AssertSucceeded();
            (await kernel.SubmitAsync($"{Tiny} --out doomed")).AssertSucceeded();
            (await kernel.SubmitAsync($"{Tiny} --out hollow")).AssertSucceeded();
            (await kernel.SubmitAsync("doomed.Dispose(); hollow.Network.Dispose(); LatentLab.Imitation.TrainedStudent nothing = null;")).AssertSucceeded();

            var cases = new (string Line, string[] Expect)[]
            {
                // A disposed student: named, with how to recreate it.
                ("#!bandit-eval --model doomed", ["--model doomed", "has been disposed", "#!bandit-train --out doomed"]),
                // Its network disposed behind its back (TorchSharp's own ObjectDisposedException): still named, never a bug.
                ("#!bandit-eval --model hollow", ["--model hollow", "has been disposed", "Recreate it"]),
                // A variable that holds null is not "missing".
                ("#!bandit-eval --model nothing", ["--model nothing", "holds null"]),
                ("#!bandit-eval --model nowhere", ["--model nowhere", "no variable 'nowhere'"]),
                // A directory given as the checkpoint file.
                ($"#!bandit-eval --load {dir.FullName}", ["is a directory, give a file"]),
                ($"#!bandit-eval --load {Path.Combine(dir.FullName, "absent.ckpt")}", ["does not exist"]),
            };
            foreach (var (line, expect) in cases)
            {
                var result = await kernel.SubmitAsync(line + " --horizon 12 --episodes 16 --baselines ucb1 --device cpu --out evaluation");
                result.AssertCase(line, expect);
                await kernel.AssertAliveAsync(("student", typeof(TrainedStudent)));
            }

            // The same disposed student through a plain C# call: LatentLab's own exception, saying how to get it back.
            var call = await kernel.SubmitAsync("LatentLab.Imitation.StudentEvaluator.Evaluate(new LatentLab.Bandits.BanditEvaluationOptions { Episodes = 8, Horizon = 5 }, doomed, TorchSharp.torch.CPU)");
            var failed = call.Failure() ?? throw new Xunit.Sdk.XunitException("evaluating a disposed student succeeded");
            Assert.Contains("this trained student has been disposed", failed.Message);
            Assert.Contains("TrainedStudent.Load", failed.Message);
            await kernel.AssertAliveAsync(("student", typeof(TrainedStudent)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Load_RemovesTheTempFilesOfAKilledSave()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var dir = Directory.CreateTempSubdirectory("latentlab-hostile-load-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.ckpt");
            (await kernel.SubmitAsync($"{Tiny} --save {path} --out student")).AssertSucceeded();
            var stale = Path.Combine(dir.FullName, ".model.ckpt.fedcba98.tmp");
            File.WriteAllBytes(stale, new byte[4096]);

            var loaded = await kernel.SubmitAsync($"#!bandit-eval --load {path} --horizon 12 --episodes 16 --baselines ucb1 --device cpu --out evaluation");

            loaded.AssertSucceeded();
            Assert.False(File.Exists(stale));
            await kernel.AssertAliveAsync(("student", typeof(TrainedStudent)), ("evaluation", typeof(BanditEvaluation)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
