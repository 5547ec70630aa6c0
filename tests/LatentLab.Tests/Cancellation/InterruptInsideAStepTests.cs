using LatentLab.Imitation;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;
using LatentLab.Tests.Perturbation;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Tests.Cancellation;

/// <summary>
/// Interrupts land inside a unit of work (between gradient chunks, PPO minibatches, perturbation copies) and the partial
/// result stays consistent: an interrupted run's weights are exactly those of its completed steps, as if the run had been
/// stopped between steps (a half-done step is dropped, never half-applied). Interrupt times vary; the assertions hold for any.
/// </summary>
public class InterruptInsideAStepTests
{
    public InterruptInsideAStepTests() => TorchRuntime.EnsureInitialized();

    static float[] Weights(IEnumerable<Tensor> parameters) => parameters.SelectMany(p => p.detach().cpu().to(float32).data<float>().ToArray()).ToArray();

    [Theory]
    [InlineData(300)]
    [InlineData(900)]
    public void BanditTraining_InterruptedMidStep_HoldsTheWeightsOfItsCompletedStepsExactly(int cancelAfterMs)
    {
        // 64 x 5 arms x 100 pulls = 32k sequence steps: two gradient chunks per step, so interrupts land between them too.
        var options = new BanditTrainingOptions { Steps = 400, Batch = 64, Threads = 1, ProgressEvery = 1 };
        // The interrupt timer starts with the first step's report (not before the run holds the torch thread scope).
        using var cts = new CancellationTokenSource();
        var arm = new SynchronousProgress<TrainingProgress>(_ => { if (_ is { Step: 1 }) cts.CancelAfter(cancelAfterMs); });
        using var interrupted = BanditTrainer.Train(options, CPU, arm, cts.Token);
        Assert.True(interrupted.IsPartial);
        int n = interrupted.StepsCompleted;

        // The same run, stopped cleanly after n steps (cancelled from the progress report of step n, before step n + 1 starts).
        using var stop = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Step >= n) stop.Cancel(); });
        using var clean = n == 0 ? null : BanditTrainer.Train(options, CPU, progress, stop.Token);
        if (clean is null) return;                                        // interrupted before the first step: nothing to compare
        Assert.Equal(n, clean.StepsCompleted);
        Assert.Equal(Weights(clean.Network.parameters()), Weights(interrupted.Network.parameters()));
    }

    [Theory]
    [InlineData(200)]
    [InlineData(700)]
    public void Ppo_InterruptedBetweenMinibatches_DropsTheWholeIteration(int cancelAfterMs)
    {
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU);
        using var g = new Generator(5, CPU);
        var reference = AlignmentPolicy.Create(env, new PolicyOptions { Width = 16 }, 1, g);
        var options = new PpoOptions { Seeds = 2, Iterations = 300, EvalEvery = 1, Threads = 1, KlTarget = 0.05 };
        using var cts = new CancellationTokenSource();
        var arm = new SynchronousProgress<RlProgress>(p => { if (p.Step == 0) cts.CancelAfter(cancelAfterMs); });
        var interrupted = Ppo.Train(reference, options, null, arm, cts.Token);
        Assert.True(interrupted.IsPartial);
        int n = interrupted.StepsCompleted;
        if (n == 0) return;

        using var stop = new CancellationTokenSource();
        var progress = new SynchronousProgress<RlProgress>(p => { if (p.Step >= n) stop.Cancel(); });
        var clean = Ppo.Train(reference, options, null, progress, stop.Token);
        Assert.Equal(n, clean.StepsCompleted);
        Assert.Equal(Weights(clean.Policy.Network.parameters()), Weights(interrupted.Policy.Network.parameters()));
        Assert.Equal(clean.FinalKlCoefficient, interrupted.FinalKlCoefficient);      // the adaptive KL coefficient is restored too
    }

    [Fact]
    public void PolicySubject_EvaluatedInGroupsOfCopies_GivesTheNumbersOfOneBatchedPass()
    {
        using var subject = PerturbationFixtures.Subject("p", 11);
        var stacks = subject.Parameters.Select(p => p.Value.unsqueeze(0).expand([10, .. p.Value.shape]).clone() + 0.1 * randn([10, .. p.Value.shape], generator: new Generator(2))).ToArray();
        var batched = subject.Evaluate(stacks);
        using var cts = new CancellationTokenSource();
        var grouped = subject.Evaluate(stacks, cts.Token);
        Assert.Equal(batched.GetLength(0), grouped.GetLength(0));
        for (int i = 0; i < batched.GetLength(0); i++)
            for (int j = 0; j < batched.GetLength(1); j++)
                Assert.Equal(batched[i, j], grouped[i, j], 5);
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => subject.Evaluate(stacks, cts.Token));
    }

    [Fact]
    public void StudentSweep_InterruptedInsideAPoint_KeepsOnlyWholePoints()
    {
        using var student = BanditTrainer.Train(new BanditTrainingOptions { Steps = 3, Batch = 8, Threads = 1 }, CPU);
        using var subject = new StudentSubject("s", student, episodes: 200, horizon: 100);
        var options = new PerturbationOptions { Points = 6, Seeds = 8, NoiseMin = 0.01, NoiseMax = 1, Resamples = 100 };
        using var cts = new CancellationTokenSource();
        var arm = new SynchronousProgress<PerturbationProgress>(p => { if (p.Point == 1) cts.CancelAfter(400); });
        var curve = PerturbationSweep.Run(subject, options, arm, cts.Token);
        var full = PerturbationSweep.Run(subject, options);
        Assert.Equal(6, full.Grid.Count);
        if (!curve.IsPartial) return;                                      // the machine finished first: nothing partial to check
        Assert.True(curve.Grid.Count < 6);
        var metric = full.Metrics[0];
        for (int i = 0; i < curve.Grid.Count; i++)                         // every kept point is a whole point: the same numbers as the full run
            Assert.Equal(full.Values(i, metric), curve.Values(i, metric));
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the pool, too late to stop the next step).</summary>
    sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
