using System.Diagnostics;
using LatentLab.Bandits;
using LatentLab.Formats;
using LatentLab.Imitation.Simd;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// Trains the student LSTM to imitate a bandit teacher: behaviour cloning and DAgger in one loop.
///
/// Every step: draw B fresh bandits (means ~ U(0,1); per-arm students: K drawn from MinTrainArms up to the larger of Arms and MaxTrainArms) for
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
        CancellationToken cancellationToken, int snapshotEvery, Action<TrainedStudent>? snapshot, TrainingPhases? phases = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        options.Validate();
        MemoryBudget.Ensure(MemoryEstimates.BanditTraining(options), device);   // refuse before allocating what the machine cannot hold
        using var threads = TorchRuntime.UseThreads(options.Threads, cancellationToken);
        return TrainOnCurrentThreads(options, device, progress, cancellationToken, snapshotEvery, snapshot, phases);
    }

    /// <summary>Wall time of a run's phases, summed over its steps (for the `bandits phases` benchmark).</summary>
    internal sealed class TrainingPhases
    {
        public TimeSpan Rollout, Gradient, Update;
    }

    static TrainedStudent TrainOnCurrentThreads(BanditTrainingOptions options, Device device,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, int snapshotEvery, Action<TrainedStudent>? snapshot,
        TrainingPhases? phases)
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
        var parameters = network.parameters().Cast<Tensor>().ToList();
        int threads = Math.Max(1, torch.get_num_threads());   // the run's count (TorchRuntime.UseThreads)
        // The split gradient step's helper threads, made once for the run (see GradientStep; CPU only).
        int parts = GradientParts(device.type, threads, options.Batch);
        using var workers = parts > 1 ? PartWorkers.SingleThreadedTorch(parts) : null;
        var fusedBuffers = new FusedTrainingBuffers(parts);
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
            if (options.DrawsTrainArms)
            {
                var pick = randint(options.MinTrainArms, options.TrainArmsHigh + 1, new long[] { 1 }, dtype: int64, device: CPU, generator: armsGenerator);
                stepSpec = spec with { Arms = (int)pick.item<long>() };
            }
            else if (options.Architecture == StudentArchitecture.PerArm && options.MinTrainArms >= 2)
                stepSpec = spec with { Arms = options.TrainArmsHigh };   // MinTrainArms == TrainArmsHigh: one K, not necessarily Arms
            long phase = Stopwatch.GetTimestamp();
            var (actions, rewards, labels, indices) = Rollout(network, options, stepSpec, batch, horizon, beta, generator, device, cancellationToken);
            if (actions is null) { cancelled = true; break; }
            if (phases is not null) { phases.Rollout += Stopwatch.GetElapsedTime(phase); phase = Stopwatch.GetTimestamp(); }

            // 2. One gradient step over the whole recorded sequence, in chunks of episodes (see GradientChunks), split over
            // the run's threads (see GradientStep).
            network.train();
            optimizer.zero_grad();
            var (completed, stepLoss, stepAgreement) = GradientStep(network, parameters, actions, rewards!, labels!, indices, stepSpec.Arms, horizon,
                options, threads, cancellationToken, workers, fusedBuffers);
            if (!completed || cancellationToken.IsCancellationRequested)
            {
                optimizer.zero_grad();
                cancelled = true;
                break;
            }
            if (phases is not null) { phases.Gradient += Stopwatch.GetElapsedTime(phase); phase = Stopwatch.GetTimestamp(); }
            nn.utils.clip_grad_norm_(network.parameters(), options.GradClip);
            optimizer.step();
            if (averaged is not null)
            {
                double decay = AverageDecayAt(options.AverageDecay, step);
                using (no_grad())
                    foreach (var (a, p) in averaged.parameters().Zip(network.parameters()))
                        a.mul_(decay).add_(p, alpha: 1 - decay);
            }
            if (phases is not null) phases.Update += Stopwatch.GetElapsedTime(phase);
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

    /// <summary>How many parts a gradient step is split into: the run's threads on the CPU (at most one per episode), else 1
    /// (a GPU runs each op across the device already, and CPU threads would only queue on it together).</summary>
    static int GradientParts(DeviceType device, int threads, long batch) =>
        device == DeviceType.CPU ? (int)Math.Clamp(batch, 1, Math.Max(1, threads)) : 1;

    /// <summary>
    /// The gradient of the step's loss (the mean over the batch) into every parameter's .grad, with the step's loss and
    /// agreement. One thread: the chunks (see <see cref="GradientChunks"/>) run one after another and each backward()
    /// accumulates. <paramref name="threads"/> &gt; 1 on the CPU: the batch is split into that many contiguous parts of episodes (at
    /// most one per episode), each differentiated on its own thread of the run's <see cref="PartWorkers"/> (torch single-threaded on
    /// each; the caller waits) with torch.autograd.grad, which returns the gradient instead of accumulating it; the parts' gradients
    /// are then summed in part order. The result depends only on the batch and the thread count, never on timing: the same
    /// seed and thread count give the same numbers; another count sums in another order (other, equally good numbers).
    /// An interrupt between chunks drops the step (returns false; nothing is applied).
    /// </summary>
    internal static (bool Completed, double Loss, double Agreement) GradientStep(StudentNetwork network, IList<Tensor> parameters,
        Tensor actions, Tensor rewards, Tensor labels, Tensor? indices, int arms, int horizon, BanditTrainingOptions options, int threads,
        CancellationToken ct, PartWorkers? workers = null, FusedTrainingBuffers? buffers = null)
    {
        long batch = actions.shape[0];
        int parts = GradientParts(actions.device_type, threads, batch);
        if (actions.device_type == DeviceType.CPU && FusedLstmTraining.Enabled && FusedLstmTraining.TryOf(network) is { } kernel)
            return FusedGradientStep(kernel, network, parameters, actions, rewards, labels, indices, arms, horizon, options, parts, ct, workers,
                buffers ?? new FusedTrainingBuffers(parts));
        if (parts <= 1)
        {
            var one = DifferentiatePart(network, null, actions, rewards, labels, indices, 0, batch, batch, arms, horizon, options, ct);
            return (one.Completed, one.Loss, one.Agreement);
        }
        var results = new PartResult[parts];
        try
        {
            RunParts(parts, workers, w =>
            {
                long b0 = batch * w / parts, b1 = batch * (w + 1) / parts;
                results[w] = DifferentiatePart(network, parameters, actions, rewards, labels, indices, b0, b1 - b0, batch, arms, horizon, options, ct);
            });
            if (results.Any(r => !r.Completed)) return (false, 0, 0);
            using var noGrad = no_grad();
            for (int i = 0; i < parameters.Count; i++)
            {
                using var sum = results[0].Gradients![i].clone();
                for (int w = 1; w < parts; w++) sum.add_(results[w].Gradients![i]);
                var grad = parameters[i].grad;
                if (grad is null) parameters[i].grad = sum;
                else grad.copy_(sum);
            }
            return (true, results.Sum(r => r.Loss), results.Sum(r => r.Agreement));
        }
        finally
        {
            foreach (var r in results)
                if (r.Gradients is not null)
                    foreach (var g in r.Gradients) g?.Dispose();
        }
    }

    readonly record struct PartResult(bool Completed, double Loss, double Agreement, Tensor[]? Gradients);

    /// <summary>
    /// Runs <paramref name="part"/>(0 .. parts - 1): on the calling thread when there is one part, else one part per thread of
    /// the run's <paramref name="workers"/> (or of a pool made for this call, for callers without one: tests), torch
    /// single-threaded on each; the caller waits. The first part's exception is rethrown (wrapped) once all have ended.
    /// </summary>
    static void RunParts(int parts, PartWorkers? workers, Action<int> part)
    {
        var errors = new Exception?[parts];
        void Guarded(int w)
        {
            try { part(w); }
            catch (Exception ex) { errors[w] = ex; }
        }
        if (parts == 1) Guarded(0);
        else if (workers is not null && workers.Parts == parts) workers.Run(Guarded);
        else
        {
            using var once = PartWorkers.SingleThreadedTorch(parts);
            once.Run(Guarded);
        }
        if (errors.FirstOrDefault(e => e is not null) is { } error) throw new AggregateException(error);
    }

    /// <summary>The share of a chunk's (b, T) states where the arm the student pulls (its first near-maximum score) is one of the labels'.</summary>
    static double ChunkAgreement(Tensor labels, Tensor logits)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return labels.gather(-1, TieBreaking.FirstNearMaximum(logits.detach()).unsqueeze(-1)).gt(0).to(float32).mean().item<float>();
    }

    /// <summary>The managed training pass's workspaces, one per part, kept for the run (grown when a step needs more rows).</summary>
    internal sealed class FusedTrainingBuffers(int parts)
    {
        public readonly FusedLstmTraining.Workspace?[] Workspaces = new FusedLstmTraining.Workspace?[parts];
    }

    /// <summary>
    /// <see cref="GradientStep"/> through <see cref="FusedLstmTraining"/> (CPU, one LSTM layer): the same parts and chunks as the
    /// torch path; per chunk the managed forward pass, torch's loss on its scores and the loss's gradient with respect to them
    /// (<see cref="ImitationLoss.FromLogits"/>), then the managed backward pass. The parts' gradients are summed in part order.
    /// </summary>
    static (bool Completed, double Loss, double Agreement) FusedGradientStep(FusedLstmTraining kernel, StudentNetwork network, IList<Tensor> parameters,
        Tensor actions, Tensor rewards, Tensor labels, Tensor? indices, int arms, int horizon, BanditTrainingOptions options, int parts,
        CancellationToken ct, PartWorkers? workers, FusedTrainingBuffers buffers)
    {
        long batch = actions.shape[0];
        var results = new FusedPartResult[parts];
        RunParts(parts, workers, w =>
        {
            long b0 = batch * w / parts, b1 = batch * (w + 1) / parts;
            results[w] = FusedPart(kernel, network, actions, rewards, labels, indices, b0, b1 - b0, batch, arms, horizon, options, ct,
                ref buffers.Workspaces[w]);
        });
        if (results.Any(r => !r.Completed)) return (false, 0, 0);
        for (int w = 1; w < parts; w++) FusedLstmTraining.Add(results[0].Gradients!, results[w].Gradients!);   // in part order
        var sums = kernel.ToTorchLayout(results[0].Gradients!);
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            using var sum = tensor(sums[i].Data, p.shape, dtype: float32);
            var grad = p.grad;
            if (grad is null) p.grad = sum.to(p.device).clone();
            else grad.copy_(sum);
        }
        return (true, results.Sum(r => r.Loss), results.Sum(r => r.Agreement));
    }

    readonly record struct FusedPartResult(bool Completed, double Loss, double Agreement, FusedLstmTraining.Gradients? Gradients);

    /// <summary>Episodes [b0, b0 + count) of the step's batch through the managed pass, in <see cref="GradientChunks"/>' chunks.</summary>
    static unsafe FusedPartResult FusedPart(FusedLstmTraining kernel, StudentNetwork network, Tensor actions, Tensor rewards, Tensor labels,
        Tensor? indices, long b0, long count, long batch, int arms, int horizon, BanditTrainingOptions options, CancellationToken ct,
        ref FusedLstmTraining.Workspace? workspace)
    {
        long per = ChunkEpisodes(count, arms, horizon, network.Architecture);
        int group = network.Architecture == StudentArchitecture.PerArm ? arms : 1;    // LSTM rows per episode
        if (!kernel.Fits(workspace, checked((int)(per * group)), horizon))
            workspace = kernel.NewWorkspace(checked((int)(per * group)), horizon);
        var ws = workspace;
        var gradients = kernel.NewGradients();
        var sums = OverChunks(b0, count, batch, per, ct, (c0, len, share) =>
        {
            int rows = checked((int)(len * group));
            Tensor x;
            using (no_grad()) x = network.EncodeSequence(actions.narrow(0, c0, len), rewards.narrow(0, c0, len), arms).contiguous();
            if (x.shape[1] != horizon || x.shape[^1] != kernel.Inputs || x.numel() != len * horizon * group * kernel.Inputs)
                throw new InvalidOperationException($"The student's inputs have shape [{string.Join(", ", x.shape)}]; the training pass needs " +
                    $"({len}, {horizon}, {(group > 1 ? $"{group}, " : "")}{kernel.Inputs}).");
            kernel.Forward(ws, rows, horizon, (float*)TensorMemory.Pointer(x), group);
            var logits = empty(len, horizon, arms, dtype: float32);
            kernel.CopyScores(ws, rows, horizon, group, (float*)TensorMemory.Pointer(logits), toScores: false);
            logits.requires_grad_(true);
            var chunkLabels = labels.narrow(0, c0, len);
            var loss = ImitationLoss.FromLogits(logits, chunkLabels, indices?.narrow(0, c0, len), options);
            var dLogits = torch.autograd.grad(new[] { loss * share }, new[] { logits })[0].contiguous();
            kernel.CopyScores(ws, rows, horizon, group, (float*)TensorMemory.Pointer(dLogits), toScores: true);
            kernel.Backward(ws, rows, horizon, gradients);
            return (loss.item<float>(), ChunkAgreement(chunkLabels, logits));
        });
        return sums is { } s ? new FusedPartResult(true, s.Loss, s.Agreement, gradients) : new FusedPartResult(false, 0, 0, null);
    }

    /// <summary>Episodes per chunk when <paramref name="count"/> episodes run in <see cref="GradientChunks"/>' chunks.</summary>
    static long ChunkEpisodes(long count, int arms, int horizon, StudentArchitecture architecture)
    {
        int chunks = GradientChunks(count, arms, horizon, architecture);
        return (count + chunks - 1) / chunks;
    }

    /// <summary>
    /// Episodes [b0, b0 + count) of a step's batch of <paramref name="batch"/> in chunks of <paramref name="per"/>: per chunk, in
    /// its own dispose scope, <paramref name="chunk"/>(c0, len, share = len / batch) returns the chunk's loss and agreement,
    /// which are summed weighted by their share, in chunk order. Null when cancelled: an interrupt between chunks drops the
    /// step (its partial gradient is never applied), so the result stays the network after the last whole step and the cell
    /// ends within one chunk, not one whole step.
    /// </summary>
    static (double Loss, double Agreement)? OverChunks(long b0, long count, long batch, long per, CancellationToken ct,
        Func<long, long, double, (double Loss, double Agreement)> chunk)
    {
        double loss = 0, agreement = 0;
        for (long c0 = b0; c0 < b0 + count; c0 += per)
        {
            if (ct.IsCancellationRequested) return null;
            using var chunkScope = NewDisposeScope();
            long len = Math.Min(per, b0 + count - c0);
            double share = (double)len / batch;
            var (chunkLoss, chunkAgreement) = chunk(c0, len, share);
            agreement += chunkAgreement * share;
            loss += chunkLoss * share;
        }
        return (loss, agreement);
    }

    /// <summary>
    /// Episodes [b0, b0 + count) of the step's batch of <paramref name="batch"/>, in chunks of at most
    /// <see cref="MaxGradientRows"/> LSTM rows; every chunk's loss is weighted by its share of the whole batch. With
    /// <paramref name="parameters"/> null the chunks' backward() accumulates into .grad; otherwise their gradients with
    /// respect to those parameters are summed in chunk order and returned (outside every dispose scope: the caller disposes).
    /// </summary>
    static PartResult DifferentiatePart(StudentNetwork network, IList<Tensor>? parameters, Tensor actions, Tensor rewards,
        Tensor labels, Tensor? indices, long b0, long count, long batch, int arms, int horizon, BanditTrainingOptions options, CancellationToken ct)
    {
        long per = ChunkEpisodes(count, arms, horizon, options.Architecture);
        Tensor[]? sums = null;
        try
        {
            var totals = OverChunks(b0, count, batch, per, ct, (c0, len, share) =>
            {
                var chunkLabels = labels.narrow(0, c0, len);
                var (loss, logits) = ImitationLoss.Of(network, actions.narrow(0, c0, len), rewards.narrow(0, c0, len), chunkLabels,
                    indices?.narrow(0, c0, len), arms, options);                                                               // logits (b, T, K)
                var weighted = loss * share;
                if (parameters is null) weighted.backward();
                else
                {
                    var grads = torch.autograd.grad(new[] { weighted }, parameters);
                    if (sums is null) sums = grads.Select(g => g.DetachFromDisposeScope()).ToArray();
                    else
                        using (no_grad())
                            for (int i = 0; i < sums.Length; i++) sums[i].add_(grads[i]);
                }
                return (loss.item<float>(), ChunkAgreement(chunkLabels, logits));
            });
            if (totals is not { } t) return new PartResult(false, 0, 0, null);                                 // sums are disposed below
            var result = new PartResult(true, t.Loss, t.Agreement, sums);
            sums = null;
            return result;
        }
        finally
        {
            if (sums is not null) foreach (var g in sums) g.Dispose();
        }
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
    /// <summary>
    /// The weight average's decay after step <paramref name="step"/> (0-based): min(decay, (1 + step) / (10 + step)), so the
    /// first steps' average follows the weights closely instead of keeping most of the initial ones (0.99^300 = 5% of them
    /// after 300 steps); from step (10 decay - 1) / (1 - decay) on (891 for 0.99) it is <paramref name="decay"/> itself.
    /// </summary>
    public static double AverageDecayAt(double decay, int step) => Math.Min(decay, (1.0 + step) / (10.0 + step));

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
    internal static (Tensor? Actions, Tensor? Rewards, Tensor? Labels, Tensor? Indices) Rollout(StudentNetwork network, BanditTrainingOptions options, BanditSpec spec,
        long batch, int horizon, double beta, Generator generator, Device device, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var env = new BanditEnvironment(spec, batch, horizon, generator, device);
        if (FusedRollouts.Applies(options, device))                                          // the same bits in managed code
        {
            var fused = FusedRollouts.Dagger(network, env, beta, options.UsesIndexLoss, generator, ct);
            if (fused is not { } r) return (null, null, null, null);
            return (r.Actions.MoveToOuterDisposeScope(), r.Rewards.MoveToOuterDisposeScope(), r.Labels.MoveToOuterDisposeScope(),
                r.Indices?.MoveToOuterDisposeScope());
        }
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
