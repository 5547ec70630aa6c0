using LatentLab.Reinforcement;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LatentLab.Interactive.Tests;

public class RlCommandTests
{
    const string TinyBake = "--contexts-per-type 8 --width 8 --depth 1 --max-steps 40 --check-every 10 --device cpu";
    const string TinyPpo = "--seeds 2 --iterations 3 --episodes 32 --minibatches 2 --eval-every 1 --eval-per-type 8 --device cpu";
    const string TinyGrpo = "--algorithm grpo --seeds 2 --iterations 3 --prompts 4 --group-size 8 --eval-every 1 --eval-per-type 8 --device cpu";

    static async Task<CompositeKernel> WithReferenceAsync(string name = "reference")
    {
        var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!rl-bake {TinyBake} --out {name}")).AssertSucceeded();
        return kernel;
    }

    [Fact]
    public async Task RlBakeAndRlTrain_AFailedSave_KeepsTheResultBound_AndSaysHowToSaveAgain()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var dir = Directory.CreateTempSubdirectory("latentlab-rl-save-");
        try
        {
            var baked = await kernel.SubmitAsync($"#!rl-bake {TinyBake} --save {dir.FullName} --out reference");
            baked.AssertSucceeded();
            var text = string.Join("\n", baked.Events.OfType<DisplayEvent>().SelectMany(e => e.FormattedValues).Where(v => v.MimeType == "text/plain").Select(v => v.Value));
            Assert.Contains("is a directory, give a file", text);
            Assert.Contains("PolicyCheckpoint.Save(reference.Policy", text);
            Assert.NotNull(kernel.Bound<BakedReference>("reference"));

            var trained = await kernel.SubmitAsync($"#!rl-train --reference reference {TinyPpo} --save {dir.FullName} --out run");
            trained.AssertSucceeded();
            Assert.NotNull(kernel.Bound<RlRun>("run"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RlBake_ThenPpoAndGrpo_BindTheirResults_WithCardsChartsAndLiveRates()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        var path = Path.Combine(Path.GetTempPath(), $"latentlab-rl-{Guid.NewGuid():N}.policy");
        try
        {
            var baked = await kernel.SubmitAsync($"#!rl-bake {TinyBake} --train-comply 0.3 --coupling 0.5 --save {path} --out reference");

            baked.AssertSucceeded();
            var reference = kernel.Bound<BakedReference>("reference");
            Assert.Equal(40, reference.Steps);                 // 40 steps cannot match at this size: baked to the limit
            Assert.Equal(0.3, reference.Options.Rates.HarmfulMonitored.Comply);
            Assert.Equal(0.5, reference.Policy.Environment.Options.Coupling);
            Assert.Equal((8, 1), (reference.Options.Policy.Width, reference.Options.Policy.Depth));
            Assert.Equal(1.0, reference.Options.Policy.OutputGain);   // the baker's default, not the RL policy's 0.01
            Assert.True(File.Exists(path));
            Assert.Contains("Baked reference policy", string.Join("\n", baked.Html()));

            var ppo = await kernel.SubmitAsync($"#!rl-train --reference reference {TinyPpo} --kl 0.05 --concern-cost 0.2 --out run");

            ppo.AssertSucceeded();
            var run = kernel.Bound<RlRun>("run");
            Assert.Equal(("ppo", 3, false), (run.Algorithm, run.StepsCompleted, run.IsPartial));
            Assert.Equal([0.05, 0.05], run.FinalKlCoefficient.Select(b => Math.Round(b, 6)));
            Assert.Equal(0.2, run.Policy.Environment.Options.ConcernCost);   // the line's reward knob over the reference's environment
            Assert.Equal(0.5, run.Policy.Environment.Options.Coupling);      // the rest is the reference's
            Assert.Equal(4 * 2 * AlignmentMetrics.Names.Count, run.Rows.Count);   // steps 0..3 x 2 seeds x metrics
            var html = string.Join("\n", ppo.Html());
            Assert.Contains("PPO run on the alignment environment", html);
            Assert.Contains("behaviour rates over RL steps (mean of 2 seeds, 95% CI)", html);
            Assert.Contains("<code>run</code> now holds the result", html);
            var live = ppo.Events.OfType<DisplayedValueUpdated>().Select(e => e.Formatted("text/plain")).ToList();
            Assert.Contains(live, p => p.Contains("/3 iterations") && p.Contains("compliance_train") && p.Contains("kl_train"));

            var grpo = await kernel.SubmitAsync($"#!rl-train --reference {path} {TinyGrpo} --out grun");

            grpo.AssertSucceeded();
            var grun = kernel.Bound<RlRun>("grun");
            Assert.Equal(("grpo", 3), (grun.Algorithm, grun.StepsCompleted));
            Assert.Equal([0.04, 0.04], grun.FinalKlCoefficient.Select(b => Math.Round(b, 6)));   // GRPO's default beta, not PPO's 0.1
            Assert.Equal(0.5, grun.Policy.Environment.Options.Coupling);   // the saved file kept the environment
            Assert.Contains("GRPO run on the alignment environment", string.Join("\n", grpo.Html()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task RlBake_WithAGruPolicy_ThenPpoAndGrpo_TrainIt_AndTheCardsSayGru()
    {
        using var kernel = await KernelTestHost.CreateAsync();

        var baked = await kernel.SubmitAsync($"#!rl-bake {TinyBake} --policy gru --out gref");

        baked.AssertSucceeded();
        var reference = kernel.Bound<BakedReference>("gref");
        Assert.Equal(PolicyArchitecture.Gru, reference.Policy.Network.Architecture);
        Assert.Contains("GRU 1 x 8", string.Join("\n", baked.Html()));
        var ppo = await kernel.SubmitAsync($"#!rl-train --reference gref {TinyPpo} --out run");
        ppo.AssertSucceeded();
        var run = kernel.Bound<RlRun>("run");
        Assert.Equal((PolicyArchitecture.Gru, 2, 3), (run.Policy.Network.Architecture, run.Policy.Seeds, run.StepsCompleted));
        Assert.Contains("GRU 1 x 8", string.Join("\n", ppo.Html()));
        var grpo = await kernel.SubmitAsync($"#!rl-train --reference gref {TinyGrpo} --out grun");
        grpo.AssertSucceeded();
        Assert.Equal(PolicyArchitecture.Gru, kernel.Bound<RlRun>("grun").Policy.Network.Architecture);
    }

    [Theory]
    [InlineData("#!rl-bake --train-comply 0.9 --train-sandbag 0.3", "comply 0.9 (--train-comply) + sandbag 0.3 (--train-sandbag) = 1.2 exceeds 1")]
    [InlineData("#!rl-bake --rescale 2", "--rescale 2 needs a ReLU policy")]
    [InlineData("#!rl-bake --width 0", "--width must be from 1 to 1024 (got 0)")]
    [InlineData("#!rl-bake --split sideways", "--split must be one of stochastic, deterministic")]
    [InlineData("#!rl-bake --policy lstm", "--policy must be one of mlp, gru")]
    [InlineData("#!rl-bake --policy gru --depth 0", "--depth 0 with --policy gru: a GRU policy needs at least one recurrent layer")]
    [InlineData("#!rl-train", "--reference is required")]
    [InlineData("#!rl-train --reference reference --kl -1", "--kl must be from 0 to 100 (got -1)")]
    [InlineData("#!rl-train --reference reference --group-size 8", "--group-size is a GRPO knob, but --algorithm is ppo")]
    [InlineData("#!rl-train --reference reference --algorithm grpo --group-size 1", "--group-size must be from 2 to 1024 (got 1)")]
    [InlineData("#!rl-train --reference reference --algorithm grpo --minibatches 2", "--minibatches is a PPO knob; GRPO has none")]
    [InlineData("#!rl-train --reference reference --grid \"temperature=1,2; kl=0\"", "Unknown grid setting 'temperature'")]
    [InlineData("#!rl-train --reference reference --grid \"kl=0,0.1\"", "--grid 'kl=0,0.1' has 1 setting(s)")]
    [InlineData("#!rl-train --reference reference --grid \"kl=0,x; coupling=0\"", "'x' in 'kl=0,x' is not a number")]
    [InlineData("#!rl-train --reference nowhere", "there is no C# variable or file named 'nowhere'")]
    [InlineData("#!rl-train --reference reference --classes 6 --iterations 1 --eval-every 1", "use a policy made for the same environment shape")]
    [InlineData("#!rl-train --reference reference --episodes 16 --minibatches 32", "--minibatches 32 is more than --episodes 16")]
    [InlineData("#!rl-train --reference reference --coupling 2", "--coupling must be from 0 to 1 (got 2)")]
    public async Task RlCommands_BadInput_FailWithAClearMessage_ThenTheKernelRunsTheNextCell(string line, string expected)
    {
        using var kernel = await WithReferenceAsync();

        var result = await kernel.SubmitAsync($"{line} --device cpu");

        Assert.Contains(expected, result.Failure()?.Message ?? "(no failure)");
        Assert.Equal("2", (await kernel.SubmitAsync("$\"{1 + 1}\"")).ReturnedText());
    }

    [Fact]
    public async Task RlTrain_Grid_RunsEveryPoint_OverAnAlgorithmKnobAndAReward_AndBindsTheGrid()
    {
        using var kernel = await WithReferenceAsync();

        var result = await kernel.SubmitAsync($"#!rl-train --reference reference {TinyPpo} --grid \"kl=0,0.1; concern-cost=0,0.2\" --out grid");

        result.AssertSucceeded();
        var grid = kernel.Bound<RlGrid>("grid");
        Assert.Equal(("KlCoefficient", "ConcernCost", 4, false), (grid.SettingA, grid.SettingB, grid.Points.Count, grid.IsPartial));
        Assert.All(grid.Points, p =>
        {
            Assert.Equal(p.A, p.Run.FinalKlCoefficient[0], 6);
            Assert.Equal(p.B, p.Run.Policy.Environment.Options.ConcernCost);
            Assert.Equal(3, p.Run.StepsCompleted);
        });
        Assert.Equal([0.0, 0.0, 0.1, 0.1], grid.Points.Select(p => p.A));
        var html = string.Join("\n", result.Html());
        Assert.Contains("RL grid: KlCoefficient x ConcernCost", html);
        Assert.Contains("Final faking_share across the grid", html);
        var live = result.Events.OfType<DisplayedValueUpdated>().Select(e => e.Formatted("text/plain")).ToList();
        Assert.Contains(live, p => p.Contains("/12 iterations"));   // 4 points x 3 iterations on one bar
    }

    [Fact]
    public async Task RlTrain_Interrupted_BindsThePartialRun()
    {
        using var kernel = await WithReferenceAsync();
        var training = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            if (e is DisplayedValueUpdated d && d.Formatted("text/plain").Contains("/100000 iterations")) training.TrySetResult();
        });

        var running = kernel.SubmitAsync("#!rl-train --reference reference --seeds 2 --iterations 100000 --episodes 32 --minibatches 2 --eval-every 1 --eval-per-type 8 --device cpu --out run");
        await training.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await kernel.SendAsync(new Cancel());
        var interrupted = await running;

        Assert.NotNull(interrupted.Failure());
        Assert.Contains(interrupted.Events.OfType<DisplayedValueUpdated>(),
            u => u.Formatted("text/plain").StartsWith("Interrupted: run will hold the partial run"));
        var run = await kernel.EventuallyBoundAsync<RlRun>("run");
        Assert.True(run.IsPartial);
        Assert.InRange(run.StepsCompleted, 0, 99_999);
        Assert.NotEmpty(run.Rows);
        Assert.Equal("2", (await kernel.SubmitAsync("$\"{1 + 1}\"")).ReturnedText());
    }
}
