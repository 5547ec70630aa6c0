using LatentLab.Imitation;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.CSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Interactive.Tests;

public class PerturbCommandTests
{
    static AlignmentPolicy Policy(AlignmentEnvironment env, ulong seed, int width)
    {
        using var g = new Generator(seed, CPU);
        return AlignmentPolicy.Create(env, new PolicyOptions { Width = width, OutputGain = 3.0 }, 1, g);
    }

    static async Task<CompositeKernel> WithPolicies()
    {
        var kernel = await KernelTestHost.CreateAsync();
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        await csharp.SetValueAsync("pre", Policy(env, 1, 16), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("post", Policy(env, 2, 16), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("wide", Policy(env, 3, 24), typeof(AlignmentPolicy));
        return kernel;
    }

    [Fact]
    public async Task Perturb_TwoPolicies_BindsPairedCurvesWithS50()
    {
        using var kernel = await WithPolicies();
        var result = await kernel.SubmitAsync("#!perturb --model pre --compare post --points 3 --seeds 2 --resamples 100 --scope head --out curves");
        result.AssertSucceeded();
        var curves = kernel.Bound<IReadOnlyList<PerturbationCurve>>("curves");
        Assert.Equal(["pre", "post"], curves.Select(c => c.Model).ToArray());
        Assert.Equal(3, curves[0].Grid.Count);
        var html = string.Join("\n", result.Html());
        Assert.Contains("specificity", html);
        Assert.Contains("benign_accuracy", html);
        Assert.Contains("<code>curves</code> now holds the result", html);
    }

    [Theory]
    [InlineData("--model pre --compare wide", "same shape")]
    [InlineData("--model pre --scope filter:lstm", "matches no parameter")]
    [InlineData("--model pre --noise-min 1 --noise-max 0.1", "must increase")]
    [InlineData("--model number", "no perturbation metrics")]
    [InlineData("--model missing", "no C# variable named 'missing'")]
    public async Task Perturb_BadInput_FailsWithAMessage_AndTheKernelLives(string line, string message)
    {
        using var kernel = await WithPolicies();
        (await kernel.SubmitAsync("var number = 3;")).AssertSucceeded();
        var result = await kernel.SubmitAsync($"#!perturb {line} --points 2 --seeds 2");
        var failure = result.Failure();
        Assert.NotNull(failure);
        Assert.Contains(message, failure!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }
}

public class PerturbCommandModelKindsTests
{
    [Fact]
    public async Task Perturb_MultiSeedPolicy_PoolsTrainingSeeds_AndSaysSoInTheTable()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        using var g = new Generator(4, CPU);
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        await csharp.SetValueAsync("run3", AlignmentPolicy.Create(env, new PolicyOptions { Width = 16, OutputGain = 3.0 }, 3, g), typeof(AlignmentPolicy));
        var result = await kernel.SubmitAsync("#!perturb --model run3 --points 3 --seeds 2 --resamples 100 --out pooled");
        result.AssertSucceeded();
        var curves = kernel.Bound<IReadOnlyList<PerturbationCurve>>("pooled");
        Assert.Equal(3, curves[0].TrainingSeeds);
        Assert.Contains("hierarchical bootstrap", string.Join("\n", result.Html()));
        var one = await kernel.SubmitAsync("#!perturb --model run3 --training-seeds 1 --points 2 --seeds 2 --resamples 100 --out first");
        one.AssertSucceeded();
        Assert.Equal(1, kernel.Bound<IReadOnlyList<PerturbationCurve>>("first")[0].TrainingSeeds);
        var tooMany = (await kernel.SubmitAsync("#!perturb --model run3 --training-seeds 5 --points 2 --seeds 2")).Failure();
        Assert.NotNull(tooMany);
        Assert.Contains("has 3 training seed(s)", tooMany!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }

    [Fact]
    public async Task Perturb_AStudent_WithActivationNoise_OnItsLstmLayer()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        TorchRuntime.EnsureInitialized();
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        await csharp.SetValueAsync("s", BanditTrainer.Train(new BanditTrainingOptions
        {
            Arms = 3, TrainHorizon = 12, Hidden = 8, HeadHidden = 8, Steps = 4, Batch = 16, Seed = 3, Threads = 1,
        }, CPU), typeof(TrainedStudent));
        var result = await kernel.SubmitAsync("#!perturb --model s --kind activations --scope layer:0 --points 2 --seeds 2 --resamples 100 --out acts");
        result.AssertSucceeded();
        var curves = kernel.Bound<IReadOnlyList<PerturbationCurve>>("acts");
        Assert.Equal([StudentSubject.AgreementBefore, StudentSubject.AgreementAfter, StudentSubject.RegretRatio], curves[0].Metrics.ToArray());
        Assert.Contains("activations noise, scope layer:0", curves[0].Perturbation);
        Assert.Equal(2, curves[0].Grid.Count);
        // A layer the student does not have is refused by name, and the kernel lives.
        var wrong = await kernel.SubmitAsync("#!perturb --model s --kind activations --scope layer:5 --points 2 --seeds 2 --resamples 100 --out none");
        var failure = wrong.Failure();
        Assert.NotNull(failure);
        Assert.Contains("layers 0..2", failure!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }

    [Fact]
    public async Task Perturb_TheCotSyntheticVariable_SweepsTheTransformer()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync("#!cot-synthetic --steps 250 --layers 2 --width 32 --heads 2 --chain-length 12 --questions 60 --batch 64 --lr 0.005 --threads 1 --out acts")).AssertSucceeded();
        var result = await kernel.SubmitAsync("#!perturb --model acts --points 2 --seeds 2 --resamples 100 --out cot");
        result.AssertSucceeded();
        var curves = kernel.Bound<IReadOnlyList<PerturbationCurve>>("cot");
        Assert.Equal(["answer_accuracy", "probe_accuracy_refit", "probe_accuracy_fixed"], curves[0].Metrics.ToArray());
        Assert.Contains("probe_accuracy_refit", string.Join("\n", result.Html()));
    }
}

public class FineTuneAttackCommandTests
{
    static async Task<CompositeKernel> WithPolicies()
    {
        var kernel = await KernelTestHost.CreateAsync();
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        var csharp = (CSharpKernel)kernel.FindKernelByName("csharp")!;
        AlignmentPolicy Policy(ulong seed, int width, int seeds = 1)
        {
            using var g = new Generator(seed, CPU);
            return AlignmentPolicy.Create(env, new PolicyOptions { Width = width, OutputGain = 3.0 }, seeds, g);
        }
        await csharp.SetValueAsync("pre", Policy(1, 16), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("post", Policy(2, 16), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("wide", Policy(3, 24), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("two", Policy(4, 16, 2), typeof(AlignmentPolicy));
        await csharp.SetValueAsync("s", TinyStudent(4), typeof(TrainedStudent));
        return kernel;
    }

    /// <summary>A tiny bandit student (3 arms, training horizon 12): the attack evaluates it on 1000 episodes of 100 pulls.</summary>
    static TrainedStudent TinyStudent(int steps) => BanditTrainer.Train(new BanditTrainingOptions
    {
        Arms = 3, TrainHorizon = 12, Hidden = 8, HeadHidden = 8, Steps = steps, Batch = 16, Seed = 3, Threads = 1,
    }, CPU);

    [Fact]
    public async Task FineTuneAttack_AStudent_IsToldByItsType_AndBindsAttackAndControlWithK50()
    {
        using var kernel = await WithPolicies();
        var result = await kernel.SubmitAsync("#!finetune-attack --model s --target first-arm --demonstrations 4 --max-steps 4 --seeds 2 --resamples 100 --out attack");
        result.AssertSucceeded();
        var results = kernel.Bound<IReadOnlyList<FineTuneAttackResult>>("attack");
        Assert.Equal("s (attack)", results[0].Attack.Model);
        Assert.Equal(StudentSubject.AgreementAfter, results[0].TargetMetric);
        Assert.Equal(FineTuneTarget.FirstArm, results[0].Options.Target);
        Assert.Equal([1.0, 2, 4], results[0].Control.Grid);
        var html = string.Join("\n", result.Html());
        Assert.Contains("first-arm against the control (UCB1 demonstrations on fresh bandits)", html);
        Assert.Contains("agreement_after_h", html);
        Assert.Contains("agreement_before_h", html);                                        // the capability's chart
        Assert.Contains("<code>attack</code> now holds the result", html);
        // No --target: a student's default, greedy.
        var greedy = await kernel.SubmitAsync("#!finetune-attack --model s --demonstrations 2 --max-steps 2 --seeds 2 --resamples 100 --out byDefault");
        greedy.AssertSucceeded();
        var byDefault = kernel.Bound<IReadOnlyList<FineTuneAttackResult>>("byDefault")[0].Options;
        Assert.Equal(FineTuneTarget.Greedy, byDefault.Target);
        Assert.Equal(0.001, byDefault.LearningRate!.Value, 15);                              // the student's final training rate: a tenth of its --lr 0.01
        Assert.Contains("lr 0.001", string.Join("\n", greedy.Html()));
    }

    [Fact]
    public async Task FineTuneAttack_TheCotSyntheticVariable_AttacksTheTransformer_AndRefusesAnotherKindsTarget()
    {
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync("#!cot-synthetic --steps 250 --layers 2 --width 32 --heads 2 --chain-length 12 --questions 60 --batch 64 --lr 0.005 --threads 1 --out acts")).AssertSucceeded();
        var result = await kernel.SubmitAsync("#!finetune-attack --model acts --demonstrations 4 --max-steps 4 --seeds 2 --resamples 100 --out cotAttack");
        result.AssertSucceeded();
        var r = kernel.Bound<IReadOnlyList<FineTuneAttackResult>>("cotAttack")[0];
        Assert.Equal(FineTuneTarget.FirstLetter, r.Options.Target);                         // the transformer's default
        Assert.Equal(0.0005, r.Options.LearningRate!.Value, 15);                             // a tenth of its --lr 0.005
        Assert.Equal(CotSyntheticSubject.AnswerAccuracy, r.TargetMetric);
        Assert.Equal(["answer_accuracy", "probe_accuracy_refit", "probe_accuracy_fixed"], r.Attack.Metrics.ToArray());
        Assert.Equal([1.0, 2, 4], r.Control.Grid);
        var html = string.Join("\n", result.Html());
        Assert.Contains("first-letter against the control (copying random filler strings, an unrelated task)", html);
        var wrong = (await kernel.SubmitAsync("#!finetune-attack --model acts --target greedy --seeds 2")).Failure();
        Assert.NotNull(wrong);
        Assert.Contains("does not apply to 'acts', the cot-synthetic transformer: use first-letter or shifted-letter", wrong!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }

    [Fact]
    public async Task FineTuneAttack_Interrupted_BindsTheStepCountsDone_MarkedPartial()
    {
        using var kernel = await WithPolicies();
        // Step 3 of the progress is the attack's second step: k = 1 of both runs has been evaluated by then.
        var evaluated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            if (e is DisplayedValueUpdated d && System.Text.RegularExpressions.Regex.Match(d.Formatted("text/plain"), @"step (\d+)/65536") is { Success: true } m
                && int.Parse(m.Groups[1].Value) >= 2) evaluated.TrySetResult();
        });
        var running = kernel.SubmitAsync("#!finetune-attack --model s --target first-arm --demonstrations 4 --max-steps 65536 --seeds 2 --resamples 100 --out partial");
        await evaluated.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await kernel.SendAsync(new Cancel());
        var interrupted = await running;
        Assert.Contains(interrupted.Events.OfType<DisplayedValueUpdated>(),
            u => u.Formatted("text/plain").StartsWith("Interrupted: partial will hold the step counts done so far"));
        var results = await kernel.EventuallyBoundAsync<IReadOnlyList<FineTuneAttackResult>>("partial");
        Assert.True(results[0].Attack.IsPartial && results[0].Control.IsPartial);
        Assert.InRange(results[0].Attack.Grid.Count, 1, 16);
        Assert.Equal(results[0].Attack.Grid, results[0].Control.Grid);
        Assert.Equal("2", (await kernel.SubmitAsync("$\"{1 + 1}\"")).ReturnedText());
    }

    [Fact]
    public async Task FineTuneAttack_TwoPolicies_BindsAttackAndControlWithK50()
    {
        using var kernel = await WithPolicies();
        var result = await kernel.SubmitAsync("#!finetune-attack --model pre --compare post --demonstrations 4 --max-steps 4 --seeds 2 --resamples 100 --out attack");
        result.AssertSucceeded();
        var results = kernel.Bound<IReadOnlyList<FineTuneAttackResult>>("attack");
        Assert.Equal(["pre (attack)", "post (attack)"], results.Select(r => r.Attack.Model).ToArray());
        Assert.Equal([1.0, 2, 4], results[0].Attack.Grid);
        var html = string.Join("\n", result.Html());
        Assert.Contains("k50", html);
        Assert.Contains("control (benign)", html);
        Assert.Contains("<code>attack</code> now holds the result", html);
    }

    [Theory]
    [InlineData("--model pre --compare wide", "same shape")]
    [InlineData("--model pre --max-steps 1", "--max-steps")]
    [InlineData("--model pre --demonstrations 0", "--demonstrations")]
    [InlineData("--model pre --attack-lr 0", "--attack-lr")]
    [InlineData("--model pre --target obey", "--target")]
    [InlineData("--model pre --compare two", "training seed(s)")]
    [InlineData("--model pre --training-seeds 3", "has 1 training seed(s)")]
    [InlineData("--model s --target comply-in-deployment", "does not apply to 's', a bandit student: use greedy or first-arm")]
    [InlineData("--model pre --target greedy", "an RL lab policy: use comply-in-deployment or refuse-in-training")]
    [InlineData("--model s --training-seeds 2", "'s' is a bandit student, one network")]
    [InlineData("--model s --compare pre", "same shape")]
    [InlineData("--model number", "needs an RL lab policy (an AlignmentPolicy, RlRun or BakedReference), a bandit student (a TrainedStudent) or the cot-synthetic transformer")]
    [InlineData("--model missing", "no C# variable named 'missing'")]
    [InlineData("--seeds 2", "--model")]
    public async Task FineTuneAttack_BadInput_FailsWithAMessage_AndTheKernelLives(string line, string message)
    {
        using var kernel = await WithPolicies();
        (await kernel.SubmitAsync("var number = 3;")).AssertSucceeded();
        var result = await kernel.SubmitAsync($"#!finetune-attack {line}");
        var failure = result.Failure();
        Assert.NotNull(failure);
        Assert.Contains(message, failure!.Message);
        (await kernel.SubmitAsync("1 + 1")).AssertSucceeded();
    }
}
