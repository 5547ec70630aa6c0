using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Torch;

namespace LatentLab.Cli.Tests;

/// <summary>rl-bake, rl-train (PPO, GRPO, grid) and perturb on tiny sizes, each checked against the science call with the same options.</summary>
public sealed class RlCliTests
{
    static readonly string[] TinyBake = ["--contexts-per-type", "8", "--width", "8", "--depth", "1", "--max-steps", "40", "--check-every", "10", "--seed", "2",
        "--device", "cpu", "--progress", "none"];
    static readonly BakeOptions TinyBakeOptions = new()
    {
        ContextsPerType = 8, MaxSteps = 40, CheckEvery = 10, Seed = 2, Policy = new PolicyOptions { Width = 8, Depth = 1, OutputGain = 1.0 },
    };
    static readonly string[] TinyPpo = ["--seeds", "2", "--iterations", "3", "--episodes", "32", "--minibatches", "2", "--eval-every", "1", "--eval-per-type", "8",
        "--device", "cpu", "--progress", "none"];
    static readonly PpoOptions TinyPpoOptions = new() { Seeds = 2, Iterations = 3, Episodes = 32, Minibatches = 2, EvalEvery = 1, EvalPerType = 8 };

    static readonly TorchSharp.torch.Device Cpu = TorchRuntime.ResolveDevice("cpu");

    static async Task<string> BakeAsync(string folder)
    {
        var (code, _, error) = await CliHost.RunAsync(["rl-bake", .. TinyBake, "--out-dir", folder]);
        Assert.True(code == ExitCodes.Ok, error);
        return Path.Combine(folder, "reference.policy");
    }

    [Fact]
    public async Task RlBake_WritesThePolicyAndTheRates_AsTheBakerGivesThem()
    {
        var folder = CliHost.TempFolder();

        var (code, output, error) = await CliHost.RunAsync(["rl-bake", .. TinyBake, "--train-comply", "0.3", "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        var direct = ReferenceBaker.Bake(new AlignmentEnvironment(new AlignmentEnvironmentOptions(), Cpu),
            TinyBakeOptions with { Rates = new BehaviourRateKnobs { TrainComply = 0.3 }.Rates() });
        var (expected, actual) = CliHost.SameCsv(direct.ToDataFrame(), Path.Combine(folder, "reference.csv"));
        Assert.Equal(expected, actual);
        Assert.Contains("harmful", actual);
        var (policy, metadata) = PolicyCheckpoint.Load(Path.Combine(folder, "reference.policy"), Cpu);
        Assert.Equal(1, policy.Seeds);
        Assert.Equal(8, policy.Options.Width);
        Assert.DoesNotContain("PARTIAL", metadata.Note);
        // The same weights as the direct bake.
        foreach (var (d, p) in direct.Policy.Network.StackedParameters.Zip(policy.Network.StackedParameters))
            Assert.Equal(d.Value.data<float>().ToArray(), p.Value.data<float>().ToArray());
        Assert.Contains($"Baked 1 seed(s) in {direct.Steps} steps", output);
    }

    [Fact]
    public async Task RlTrain_Ppo_WritesTheRunAsPpoTrainGivesIt_WithRewardFlagsOverTheReferencesEnvironment()
    {
        var folder = CliHost.TempFolder();
        var reference = await BakeAsync(folder);

        var (code, output, error) = await CliHost.RunAsync(["rl-train", "--reference", reference, .. TinyPpo, "--kl", "0.05", "--coupling", "0.5", "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        var start = PolicyCheckpoint.Load(reference, Cpu).Policy;
        start = new AlignmentPolicy(start.Network, new AlignmentEnvironment(start.Environment.Options with { Coupling = 0.5 }, Cpu), start.Options);
        var direct = Ppo.Train(start, TinyPpoOptions with { KlCoefficient = 0.05 });
        var (expected, actual) = CliHost.SameCsv(direct.ToDataFrame(), Path.Combine(folder, "rl-train.csv"));
        Assert.Equal(expected, actual);
        Assert.StartsWith("seed,step,metric,value", actual);
        (expected, actual) = CliHost.SameCsv(direct.SummaryDataFrame(), Path.Combine(folder, "rl-train-summary.csv"));
        Assert.Equal(expected, actual);
        var (trained, _) = PolicyCheckpoint.Load(Path.Combine(folder, "policy.policy"), Cpu);
        Assert.Equal(0.5, trained.Environment.Options.Coupling);
        Assert.Equal(2, trained.Seeds);
        Assert.Contains("PPO: 3 iterations on 2 seed(s)", output);
    }

    [Fact]
    public async Task RlBakeAndRlTrain_WithAGruPolicy_WriteWhatTheScienceGives()
    {
        var folder = CliHost.TempFolder();
        var (code, _, error) = await CliHost.RunAsync(["rl-bake", .. TinyBake, "--policy", "gru", "--out-dir", folder]);
        Assert.True(code == ExitCodes.Ok, error);
        var reference = Path.Combine(folder, "reference.policy");
        var (baked, _) = PolicyCheckpoint.Load(reference, Cpu);
        Assert.Equal(PolicyArchitecture.Gru, baked.Network.Architecture);
        var direct = ReferenceBaker.Bake(new AlignmentEnvironment(new AlignmentEnvironmentOptions(), Cpu),
            TinyBakeOptions with { Policy = TinyBakeOptions.Policy with { Architecture = PolicyArchitecture.Gru } });
        foreach (var (d, p) in direct.Policy.Network.StackedParameters.Zip(baked.Network.StackedParameters))
            Assert.Equal(d.Value.data<float>().ToArray(), p.Value.data<float>().ToArray());

        (code, var output, error) = await CliHost.RunAsync(["rl-train", "--reference", reference, .. TinyPpo, "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        var run = Ppo.Train(baked, TinyPpoOptions);
        var (expected, actual) = CliHost.SameCsv(run.ToDataFrame(), Path.Combine(folder, "rl-train.csv"));
        Assert.Equal(expected, actual);
        Assert.Equal(PolicyArchitecture.Gru, PolicyCheckpoint.Load(Path.Combine(folder, "policy.policy"), Cpu).Policy.Network.Architecture);
        Assert.Contains("PPO: 3 iterations on 2 seed(s)", output);

        (code, _, error) = await CliHost.RunAsync("rl-bake", "--policy", "gru", "--depth", "0", "--device", "cpu", "--progress", "none", "--out-dir", folder);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--depth 0 with --policy gru", error);
    }

    [Fact]
    public async Task RlTrain_Grpo_ReadsTheSharedFlagsAndItsOwn_AsGrpoTrainGivesIt()
    {
        var folder = CliHost.TempFolder();
        var reference = await BakeAsync(folder);

        var (code, _, error) = await CliHost.RunAsync("rl-train", "--reference", reference, "--algorithm", "grpo", "--seeds", "2", "--iterations", "3",
            "--prompts", "4", "--group-size", "8", "--no-std-scaling", "--eval-every", "1", "--eval-per-type", "8", "--kl", "0.02",
            "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.True(code == ExitCodes.Ok, error);
        var direct = Grpo.Train(PolicyCheckpoint.Load(reference, Cpu).Policy,
            new GrpoOptions { Seeds = 2, Iterations = 3, Prompts = 4, GroupSize = 8, ScaleByStd = false, EvalEvery = 1, EvalPerType = 8, KlCoefficient = 0.02 });
        var (expected, actual) = CliHost.SameCsv(direct.ToDataFrame(), Path.Combine(folder, "rl-train.csv"));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task RlTrain_Grid_WritesEveryPoint_AsRlGridRunGivesIt()
    {
        var folder = CliHost.TempFolder();
        var reference = await BakeAsync(folder);

        var (code, output, error) = await CliHost.RunAsync(["rl-train", "--reference", reference, .. TinyPpo, "--grid", "kl=0,0.1; concern-cost=0,0.2", "--out-dir", folder]);

        Assert.True(code == ExitCodes.Ok, error);
        var direct = RlGrid.Run(PolicyCheckpoint.Load(reference, Cpu).Policy, TinyPpoOptions, "kl", [0, 0.1], "concern-cost", [0, 0.2]);
        var (expected, actual) = CliHost.SameCsv(direct.ToDataFrame(), Path.Combine(folder, "rl-grid.csv"));
        Assert.Equal(expected, actual);
        Assert.Equal(4, direct.Points.Count);
        Assert.Contains("4 point(s)", output);
        Assert.False(File.Exists(Path.Combine(folder, "policy.policy")));

        // Every point's trained policy beside rl-grid.csv, named by the point, holding that point's weights and environment.
        string[] names = ["policy_kl-0_concern-cost-0.policy", "policy_kl-0_concern-cost-0.2.policy", "policy_kl-0.1_concern-cost-0.policy", "policy_kl-0.1_concern-cost-0.2.policy"];
        Assert.Equal(names.Order(StringComparer.Ordinal), Directory.GetFiles(folder, "policy_*.policy").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var (name, point) in names.Zip(direct.Points))
        {
            Assert.Contains($"  wrote {Path.Combine(folder, name)}", output);
            var (policy, metadata) = PolicyCheckpoint.Load(Path.Combine(folder, name), Cpu);
            Assert.Equal(2, policy.Seeds);
            Assert.Equal(point.B, policy.Environment.Options.ConcernCost);
            Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"kl={point.A}, concern-cost={point.B}, 3 iterations"), metadata.Note);
            Assert.DoesNotContain("PARTIAL", metadata.Note);
            foreach (var (d, p) in point.Run.Policy.Network.StackedParameters.Zip(policy.Network.StackedParameters, (d, p) => (d, p)))
                Assert.Equal(d.Value.data<float>().ToArray(), p.Value.data<float>().ToArray());
        }
        // The points' policies differ (a file per point, not one policy written four times).
        static float[] First(string file) => PolicyCheckpoint.Load(file, Cpu).Policy.Network.StackedParameters.First().Value.data<float>().ToArray();
        Assert.NotEqual(First(Path.Combine(folder, names[0])), First(Path.Combine(folder, names[3])));
    }

    [Fact]
    public async Task Perturb_TwoPolicyFiles_WritesThePairedCurves_AsTheScienceGivesThem()
    {
        var folder = CliHost.TempFolder();
        var reference = await BakeAsync(folder);
        var (code, _, error) = await CliHost.RunAsync(["rl-train", "--reference", reference, .. TinyPpo, "--out-dir", folder]);
        Assert.True(code == ExitCodes.Ok, error);
        var trained = Path.Combine(folder, "policy.policy");

        // The reference has 1 seed and the trained run 2: pairing training seed t with t needs --training-seeds 1, as in #!perturb.
        (code, var output, error) = await CliHost.RunAsync("perturb", "--model", reference, "--compare", trained, "--points", "3", "--seeds", "2",
            "--resamples", "100", "--scope", "head", "--training-seeds", "1", "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.True(code == ExitCodes.Ok, error);
        var options = new PerturbationOptions { Points = 3, Seeds = 2, Resamples = 100, Scope = "head", TrainingSeeds = 1 };
        var pre = PolicySubject.ForTrainingSeeds("reference", PolicyCheckpoint.Load(reference, Cpu).Policy, options.TrainingSeeds);
        var post = PolicySubject.ForTrainingSeeds("policy", PolicyCheckpoint.Load(trained, Cpu).Policy, options.TrainingSeeds);
        var direct = PerturbationSweep.Compare("reference", pre, "policy", post, options);
        foreach (var s in pre.Concat(post)) s.Dispose();
        var (expected, actual) = CliHost.SameCsv(PerturbationCurve.ToDataFrame(direct), Path.Combine(folder, "perturb.csv"));
        Assert.Equal(expected, actual);
        Assert.Contains("reference", actual);
        Assert.Contains("PerturbationCurve reference", output);
    }

    [Fact]
    public async Task Interrupted_BakeAndTrain_Exit130_AndWriteThePartialResult()
    {
        var folder = CliHost.TempFolder();
        var reference = await BakeAsync(folder);
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();
        var partial = CliHost.TempFolder();

        var (code, _, error) = await CliHost.RunAsync(interrupt.Token, ["rl-bake", .. TinyBake, "--out-dir", partial]);
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("partial result", error);
        Assert.Contains("PARTIAL", PolicyCheckpoint.Load(Path.Combine(partial, "reference.policy"), Cpu).Metadata.Note);

        (code, _, error) = await CliHost.RunAsync(interrupt.Token, ["rl-train", "--reference", reference, .. TinyPpo, "--out-dir", partial]);
        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("partial result", error);
        Assert.Contains("PARTIAL", PolicyCheckpoint.Load(Path.Combine(partial, "policy.policy"), Cpu).Metadata.Note);
        Assert.True(File.Exists(Path.Combine(partial, "rl-train.csv")));
    }

    [Fact]
    public async Task Perturb_InterruptedBeforeItsFirstPoint_Exits130_AndWritesNothing()
    {
        var folder = CliHost.TempFolder();
        var reference = await BakeAsync(folder);
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();

        var (code, _, error) = await CliHost.RunAsync(interrupt.Token, "perturb", "--model", reference, "--points", "3", "--seeds", "2", "--resamples", "100",
            "--device", "cpu", "--progress", "none", "--out-dir", folder);

        Assert.Equal(ExitCodes.Interrupted, code);
        Assert.Contains("interrupted before there was a result to keep; nothing was written", error);
        Assert.False(File.Exists(Path.Combine(folder, "perturb.csv")));
    }

    [Theory]
    [InlineData("rl-train --progress none", "--reference is required")]
    [InlineData("rl-train --reference REF --group-size 8 --progress none", "--group-size is a GRPO knob, but --algorithm is ppo")]
    [InlineData("rl-train --reference REF --algorithm grpo --minibatches 2 --progress none", "--minibatches is a PPO knob; GRPO has none")]
    [InlineData("rl-train --reference REF --algorithm grpo --group-size 1 --progress none", "--group-size must be from 2 to 1024 (got 1)")]
    [InlineData("rl-train --reference REF --grid kl=0,0.1 --progress none", "--grid 'kl=0,0.1' has 1 setting(s)")]
    [InlineData("rl-train --reference REF --coupling 2 --progress none", "--coupling must be from 0 to 1 (got 2)")]
    [InlineData("rl-train --reference NOWHERE --progress none", "the file does not exist")]
    [InlineData("rl-bake --train-comply 0.9 --train-sandbag 0.3 --progress none", "comply 0.9 (--train-comply) + sandbag 0.3 (--train-sandbag) = 1.2 exceeds 1")]
    [InlineData("rl-bake --width 0 --progress none", "--width must be from 1 to 1024 (got 0)")]
    [InlineData("perturb --progress none", "--model is required")]
    [InlineData("perturb --model TEXT --progress none", "--model TEXT is neither a policy checkpoint")]
    [InlineData("perturb --model NOWHERE --progress none", "--model NOWHERE: no such file")]
    public async Task BadInput_Exits2_WithAMessageNamingTheOption(string line, string expected)
    {
        var folder = CliHost.TempFolder();
        var text = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(text, "not a checkpoint");
        var reference = line.Contains("REF") ? await BakeAsync(folder) : "";
        string Fill(string s) => s.Replace("REF", reference).Replace("TEXT", text).Replace("NOWHERE", Path.Combine(folder, "nowhere.policy"));

        var (code, output, error) = await CliHost.RunAsync([.. line.Split(' ').Select(Fill), "--device", "cpu", "--out-dir", Path.Combine(folder, "out")]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(Fill(expected), error);
        Assert.Equal("", output);
        Assert.DoesNotContain(" at LatentLab", error);
        Assert.False(Directory.Exists(Path.Combine(folder, "out")));
    }
}
