using System.Diagnostics;
using LatentLab.Bandits;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// Trains the student LSTM to imitate a bandit teacher: behaviour cloning and DAgger in one loop.
///
/// Every step: draw B fresh bandits (means ~ U(0,1); per-arm students: K drawn from MinTrainArms..Arms) for
/// <c>TrainHorizon</c> pulls; roll out without gradients,
/// where at each pull the teacher acts with probability beta and the student otherwise (beta = 1 always for
/// behaviour cloning; for DAgger it falls from 1 to <c>TeacherMixFinal</c>); the teacher labels every visited
/// state. Then one Adam step on the cross-entropy between the student's scores over the recorded inputs
/// (nn.LSTM calls over the whole sequence, a few episodes at a time) and the labels, plus (UCB1 teacher, IndexLossWeight &gt; 0) the
/// cross-entropy to softmax(IndexScale x UCB1's index), which says by how much every arm trails the best one.
/// The student never sees a step past TrainHorizon.
/// </summary>
public static class BanditTrainer
{
    /// <summary>Trains a student with <paramref name="options"/> on <paramref name="device"/>; cancelling returns the partial student.</summary>
    public static TrainedStudent Train(BanditTrainingOptions options, Device device,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(options, device, progress, cancellationToken, 0, null);

    /// <summary>
    /// As <see cref="Train(BanditTrainingOptions, Device, IProgress{TrainingProgress}?, CancellationToken)"/>, and every
    /// <paramref name="snapshotEvery"/> steps hands <paramref name="snapshot"/> a view of the network as it is (flagged
    /// partial; do not dispose it: it shares the network). The training clock stops while the callback runs. For
    /// benchmarks (time for the default run to reach a quality bar).
    /// </summary>
    internal static TrainedStudent Train(BanditTrainingOptions options, Device device, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken, int snapshotEvery, Action<TrainedStudent>? snapshot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        options.Validate();
        MemoryBudget.Ensure(MemoryEstimates.BanditTraining(options), device);   // refuse before allocating what the machine cannot hold
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        return TrainOnCurrentThreads(options, device, progress, cancellationToken, snapshotEvery, snapshot);
    }

    static TrainedStudent TrainOnCurrentThreads(BanditTrainingOptions options, Device device,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, int snapshotEvery, Action<TrainedStudent>? snapshot)
    {
        using var pages = NativeAllocator.KeepPagesMapped();   // for this run only (see NativeAllocator)

        // Same seed -> same initial weights on every device: initialise on the CPU, then move.
        var network = StudentNetwork.Create(options, seed: options.Seed);
        network.to(device);
        // Weight averaging (AverageDecay > 0): a second network holds the running average; it is what Train returns.
        StudentNetwork? averaged = null;
        if (options.AverageDecay > 0)
        {
            averaged = StudentNetwork.Create(options);
            averaged.to(device);
            using var noGrad = no_grad();
            foreach (var (a, p) in averaged.parameters().Zip(network.parameters())) a.copy_(p);
            averaged.eval();
        }
        using var generator = new Generator((ulong)(options.Seed * 7919 + 17), device);
        using var optimizer = optim.Adam(network.parameters(), options.LearningRate);
        using var armsGenerator = new Generator((ulong)(options.Seed * 104729 + 3), CPU);
        var spec = options.Spec;
        int horizon = options.TrainHorizon, totalSteps = options.Steps;
        long batch = options.Batch;

        var history = new List<TrainingProgress>();
        var clock = Stopwatch.StartNew();
        double windowLoss = 0, windowAgreement = 0;
        int windowCount = 0, done = 0;
        bool cancelled = false;

        for (int step = 0; step < totalSteps; step++)
        {
            if (cancellationToken.IsCancellationRequested) { cancelled = true; break; }
            using var scope = NewDisposeScope();
            double beta = TeacherMix(options, step);
            double lr = options.LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps)));
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            // 1. Roll out without gradients and record inputs and the teacher's labels.
            var stepSpec = spec;
            if (options.MinTrainArms >= 2 && options.Architecture == StudentArchitecture.PerArm && options.MinTrainArms < options.Arms)
            {
                var pick = randint(options.MinTrainArms, options.Arms + 1, new long[] { 1 }, dtype: int64, device: CPU, generator: armsGenerator);
                stepSpec = spec with { Arms = (int)pick.item<long>() };
            }
            var (actions, rewards, labels, indices) = Rollout(network, options, stepSpec, batch, horizon, beta, generator, device, cancellationToken);
            if (actions is null) { cancelled = true; break; }

            // 2. One gradient step over the whole recorded sequence, in chunks of episodes (see GradientChunks).
            network.train();
            optimizer.zero_grad();
            int chunks = GradientChunks(batch, stepSpec.Arms, horizon, options.Architecture);
            long per = (batch + chunks - 1) / chunks;
            double stepLoss = 0, stepAgreement = 0;
            bool dropped = false;
            for (long b0 = 0; b0 < batch; b0 += per)
            {
                // An interrupt between chunks drops this step (its partial gradient is never applied): the result stays the
                // network after the last whole step, and the cell ends within one chunk, not one whole step.
                if (cancellationToken.IsCancellationRequested) { dropped = true; break; }
                using var chunkScope = NewDisposeScope();
                long len = Math.Min(per, batch - b0);
                double share = (double)len / batch;
                var chunkLabels = labels!.narrow(0, b0, len);
                var (loss, logits) = ImitationLoss.Of(network, actions.narrow(0, b0, len), rewards!.narrow(0, b0, len), chunkLabels,
                    indices?.narrow(0, b0, len), stepSpec.Arms, options);                                                      // logits (b, T, K)
                (loss * share).backward();
                using (no_grad())
                {
                    var agree = chunkLabels.gather(-1, TieBreaking.FirstNearMaximum(logits).unsqueeze(-1)).gt(0);        // (b, T, 1): the arm the student pulls
                    stepAgreement += agree.to(float32).mean().item<float>() * share;
                }
                stepLoss += loss.item<float>() * share;
            }
            if (dropped || cancellationToken.IsCancellationRequested)
            {
                optimizer.zero_grad();
                cancelled = true;
                break;
            }
            nn.utils.clip_grad_norm_(network.parameters(), options.GradClip);
            optimizer.step();
            if (averaged is not null)
                using (no_grad())
                    foreach (var (a, p) in averaged.parameters().Zip(network.parameters()))
                        a.mul_(options.AverageDecay).add_(p, alpha: 1 - options.AverageDecay);
            windowAgreement += stepAgreement;
            windowLoss += stepLoss;
            windowCount++;
            done = step + 1;
            if (snapshot is not null && snapshotEvery > 0 && done % snapshotEvery == 0 && done < totalSteps)
            {
                clock.Stop();
                network.eval();
                snapshot(new TrainedStudent(options, averaged ?? network, device, isPartial: true, stepsCompleted: done, history.ToList(), clock.Elapsed));
                clock.Start();
            }

            if (done % options.ProgressInterval == 0 || done == totalSteps)
            {
                var p = MakeProgress(done, totalSteps, windowLoss / windowCount, windowAgreement / windowCount, beta, batch * horizon, clock.Elapsed);
                history.Add(p);
                progress?.Report(p);
                windowLoss = windowAgreement = 0;
                windowCount = 0;
            }
        }
        if (windowCount > 0)
        {
            var p = MakeProgress(done, totalSteps, windowLoss / windowCount, windowAgreement / windowCount, TeacherMix(options, Math.Max(done - 1, 0)), batch * horizon, clock.Elapsed);
            history.Add(p);
            progress?.Report(p);
        }
        network.eval();
        if (averaged is not null)
        {
            network.Dispose();
            network = averaged;
        }
        return new TrainedStudent(options, network, device, isPartial: cancelled || done < totalSteps, stepsCompleted: done,
            history, clock.Elapsed);
    }

    /// <summary>
    /// Episode chunks per gradient step, so that no chunk runs more than <see cref="MaxGradientRows"/> LSTM sequence steps
    /// (B*K*T per-arm, B*T joint). The gradient is the same sum either way (up to float rounding).
    /// </summary>
    internal static int GradientChunks(long batch, int arms, int horizon, StudentArchitecture architecture)
    {
        long rows = batch * horizon * (architecture == StudentArchitecture.PerArm ? arms : 1);
        return (int)Math.Clamp((rows + MaxGradientRows - 1) / MaxGradientRows, 1, batch);
    }

    /// <summary>
    /// Largest LSTM call of a gradient step, in sequence steps. Above ~32k rows the LSTM's buffers pass 64 MB, the largest
    /// block a glibc thread arena serves from its heaps: on any thread but the process's first (a notebook kernel runs
    /// cells on pool threads) each such block is a fresh mmap, faulted in page by page and unmapped again every step.
    /// In chunks of 16k rows a pool thread trains as fast as the main thread, with a small fraction of the page faults
    /// (`bandits train-eval --pool-thread` reproduces the kernel's case; docs/bandit-student.md).
    /// </summary>
    internal const long MaxGradientRows = 16_000;

    /// <summary>Probability that the teacher acts at a given training step (1 = behaviour cloning).</summary>
    public static double TeacherMix(BanditTrainingOptions options, int step)
    {
        if (!options.Dagger) return 1.0;
        double decaySteps = options.TeacherMixSteps * options.Steps;
        if (decaySteps <= 0) return options.TeacherMixFinal;
        double f = Math.Min(1.0, step / decaySteps);
        return 1.0 + (options.TeacherMixFinal - 1.0) * f;
    }

    /// <summary>
    /// One batch of training episodes: returns actions (B, T) int64, rewards (B, T) float32, teacher labels (B, T, K)
    /// and UCB1's index in every visited state (B, T, K) when the index loss is on (else null); nulls when cancelled.
    /// </summary>
    static (Tensor? Actions, Tensor? Rewards, Tensor? Labels, Tensor? Indices) Rollout(StudentNetwork network, BanditTrainingOptions options, BanditSpec spec,
        long batch, int horizon, double beta, Generator generator, Device device, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var env = new BanditEnvironment(spec, batch, horizon, generator, device);
        var actions = new List<Tensor>(horizon);
        var rewards = new List<Tensor>(horizon);
        var labels = new List<Tensor>(horizon);
        var indices = options.UsesIndexLoss ? new List<Tensor>(horizon) : null;
        bool studentActs = beta < 1.0;
        StackedStudentPolicy? student = studentActs ? StackedStudentPolicy.Of(network) : null;   // the batched cell (one copy): fewer ops per step than nn.LSTM
        network.eval();
        try
        {
            student?.Reset(batch, spec.Arms, device, 0);
            for (int t = 0; t < horizon; t++)
            {
                if (ct.IsCancellationRequested) return (null, null, null, null);
                var (label, teacherAction, index) = TeacherLabels.Compute(options.Teacher, env.Statistics, t, spec, options.ThompsonLabelSamples, generator);
                if (indices is not null) indices.Add(index!);                                           // UsesIndexLoss: a UCB1 teacher
                Tensor action = teacherAction;
                if (student is not null)
                {
                    var studentAction = student.Act(t);                                                  // (B,)
                    var teacherActs = rand(new long[] { batch }, dtype: float32, device: device, generator: generator).lt(beta);
                    action = where(teacherActs, teacherAction, studentAction);
                }
                var reward = env.Pull(action);
                student?.Observe(action, reward);
                actions.Add(action);
                rewards.Add(reward);
                labels.Add(label);
            }
        }
        finally
        {
            student?.Dispose();
        }
        return (stack(actions, 1).MoveToOuterDisposeScope(), stack(rewards, 1).MoveToOuterDisposeScope(), stack(labels, 1).MoveToOuterDisposeScope(),
            indices is null ? null : stack(indices, 1).MoveToOuterDisposeScope());
    }

    static TrainingProgress MakeProgress(int done, int total, double loss, double agreement, double beta, long envStepsPerGradStep, TimeSpan elapsed)
    {
        double rate = elapsed.TotalSeconds > 0 ? done * (double)envStepsPerGradStep / elapsed.TotalSeconds : 0;
        return new TrainingProgress(done, total, loss, agreement, beta, rate, elapsed);
    }
}
