using LatentLab.Reinforcement;
using LatentLab.Torch;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

/// <summary>
/// PPO and GRPO on a small fixed set of monitored contexts converge to the closed-form KL-regularised optimum
/// pi_ref exp(r / beta) / Z over the 48 decision sequences (an outside reference: Korbak, Perez and Buckley 2022).
/// </summary>
[Collection("torch threads")]
public class ClosedFormConvergenceTests(ITestOutputHelper output)
{
    internal static readonly AlignmentEnvironmentOptions EnvOptions = new() { Coupling = 0.6, ConcernCost = 0.05 };

    /// <summary>A random (non-uniform) 1-seed reference and 8 monitored contexts (4 harmful, 4 benign).</summary>
    internal static (AlignmentEnvironment Env, AlignmentPolicy Reference, AlignmentContexts Contexts) Setup(
        PolicyArchitecture architecture = PolicyArchitecture.Mlp)
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(EnvOptions, CPU);
        using var g = new Generator(42, CPU);
        var reference = AlignmentPolicy.Create(env, new PolicyOptions { Architecture = architecture, Width = 32, OutputGain = 1.0 }, 1, g);
        var contexts = env.Balanced(4, 5);
        contexts = contexts.Take((contexts.Monitored > 0.5f).nonzero().squeeze(-1));
        return (env, reference, contexts);
    }

    /// <summary>(S) mean TV distance over contexts between the trained policy and the closed form.</summary>
    internal static double[] TvToOptimum(RlRun run, AlignmentContexts contexts, double beta)
    {
        using var noGrad = no_grad();
        var logp = run.Policy.SequenceLogProbs(contexts);                     // (S, N, Q)
        var refLogp = run.Reference.SequenceLogProbs(contexts);               // (1, N, Q)
        var star = KlOptimum.LogOptimum(refLogp, run.Policy.Environment.ExpectedReward(contexts), beta);
        return KlOptimum.TotalVariation(logp, star).mean([1]).to(float64).data<double>().ToArray();
    }

    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void Ppo_OnFixedContexts_ConvergesToTheClosedFormOptimum(PolicyArchitecture architecture)
    {
        var (_, reference, contexts) = Setup(architecture);
        const double beta = 0.5;
        var refTv = TvToOptimumOf(reference, contexts, beta);
        var run = Ppo.Train(reference, new PpoOptions { Seeds = 2, Iterations = 100, Episodes = 256, Minibatches = 2, KlCoefficient = beta, LearningRate = 1e-2, EvalEvery = 100, EvalPerType = 8 }, contexts);
        var tv = TvToOptimum(run, contexts, beta);
        output.WriteLine($"{architecture}: reference TV {refTv:F3}; PPO TV per seed {string.Join(", ", tv.Select(v => v.ToString("F4")))} in {run.Seconds:F1}s");
        Assert.All(tv, v => Assert.True(v < 0.05, $"TV {v}"));
    }

    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void Grpo_WithTheKlInTheReward_ConvergesToTheClosedFormOptimum(PolicyArchitecture architecture)
    {
        var (_, reference, contexts) = Setup(architecture);
        const double beta = 0.5;
        var run = Grpo.Train(reference, new GrpoOptions
        {
            Seeds = 2, Iterations = 150, Prompts = 8, GroupSize = 64, KlCoefficient = beta, LearningRate = 1e-2,
            KlPlacement = GrpoKlPlacement.Reward, ScaleByStd = false, EvalEvery = 150, EvalPerType = 8,
        }, contexts);
        var tv = TvToOptimum(run, contexts, beta);
        output.WriteLine($"{architecture}: GRPO (KL in reward) TV per seed {string.Join(", ", tv.Select(v => v.ToString("F4")))} in {run.Seconds:F1}s");
        Assert.All(tv, v => Assert.True(v < 0.05, $"TV {v}"));
    }

    [Theory]
    [InlineData(PolicyArchitecture.Mlp)]
    [InlineData(PolicyArchitecture.Gru)]
    public void Grpo_WithK3InTheLoss_MovesTowardsTheClosedFormOptimum_ButStopsShortOfIt(PolicyArchitecture architecture)
    {
        var (_, reference, contexts) = Setup(architecture);
        const double beta = 0.5;
        var refTv = TvToOptimumOf(reference, contexts, beta);
        var run = Grpo.Train(reference, new GrpoOptions
        {
            Seeds = 2, Iterations = 150, Prompts = 8, GroupSize = 64, KlCoefficient = beta, LearningRate = 1e-2,
            ScaleByStd = false, EvalEvery = 150, EvalPerType = 8,
        }, contexts);
        var tv = TvToOptimum(run, contexts, beta);
        output.WriteLine($"{architecture}: reference TV {refTv:F3}; GRPO (k3 in loss) TV per seed {string.Join(", ", tv.Select(v => v.ToString("F4")))} in {run.Seconds:F1}s");
        // k3's on-policy gradient is that of KL(pi_ref || pi) per state, so its fixed point is not pi_ref exp(r / beta):
        // measured TV 0.10-0.11 here against 0.036 with the KL in the reward and 0.34 for the reference itself.
        Assert.All(tv, v => Assert.True(v < 0.5 * refTv, $"TV {v} vs the reference's {refTv}"));
        Assert.All(tv, v => Assert.True(v > 0.06, $"TV {v}: k3 in the loss was expected to stop short of the exact optimum"));
    }

    internal static double TvToOptimumOf(AlignmentPolicy reference, AlignmentContexts contexts, double beta)
    {
        using var noGrad = no_grad();
        var refLogp = reference.SequenceLogProbs(contexts);
        var star = KlOptimum.LogOptimum(refLogp, reference.Environment.ExpectedReward(contexts), beta);
        return KlOptimum.TotalVariation(refLogp, star).mean().item<float>();
    }
}
