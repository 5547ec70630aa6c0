using System.Diagnostics;
using LatentLab.Statistics;
using LatentLab.Activations;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Probes;

/// <summary>
/// Linear probes at every (layer, position): for each layer, every column's probes (x folds x task/control) are trained
/// together as one batched L-BFGS problem on the device (<see cref="BatchedLogisticRegression"/>). Per fold the features
/// are standardised with that fold's training statistics, exactly as scikit-learn's StandardScaler +
/// LogisticRegression(C) pipeline does, via an equivalent reparametrisation: the layer is standardised once with all
/// questions' statistics, and fold f's problem penalises weight j by (sd_f,j / sd_all,j)^2, which gives the same
/// predictions as refitting on the fold-standardised features (the intercept absorbs the mean shift).
/// Layers are read one at a time, so memory holds about one layer's slice.
/// </summary>
public static class ProbeSweep
{
    public static ProbeSweepResult Run(ActivationSet set, ProbeSweepOptions? options = null, Device? device = null,
        IProgress<SweepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        TorchRuntime.EnsureInitialized();
        ArgumentNullException.ThrowIfNull(set);
        var o = options ?? new ProbeSweepOptions();
        o.Validate();
        set.ThrowIfDisposed();
        // Refuse before allocating what the machine cannot hold: columns are the bins, the positions asked for, or all.
        int columns = o.Bins > 0 ? o.Bins : o.Positions?.Count ?? set.Positions;
        MemoryBudget.Ensure(MemoryEstimates.ProbeSweep(o, set.Count, set.Dim, columns, set.ClassCount, o.Layers?.Distinct().Count() ?? set.Layers), device);
        device ??= CPU;
        ThreadScope threads;
        try
        {
            threads = TorchRuntime.UseThreads(o.Threads, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted while another run held the thread count: the sweep stops at its first check and returns its
            // (empty) partial result, as an interrupt at any later point does.
            return Sweep(set, o, device, progress, cancellationToken);
        }
        using (threads)
        {
            return Sweep(set, o, device, progress, cancellationToken);
        }
    }

    static ProbeSweepResult Sweep(ActivationSet set, ProbeSweepOptions o, Device device, IProgress<SweepProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var layers = (o.Layers ?? Enumerable.Range(0, set.Layers).ToList()).Distinct().ToList();
        foreach (var l in layers)
            if (l < 0 || l >= set.Layers)
                throw new ArgumentException($"--layers {l} does not exist: the activation set has layers 0..{set.Layers - 1}.");
        if (o.Bins > set.Positions) throw new ArgumentException($"--bins {o.Bins} exceeds the {set.Positions} positions in the activation set.");

        int n = set.Count, classes = set.ClassCount, F = o.Folds, R = o.Control ? 2 : 1, Q = F * R;
        var labels = set.Labels.ToArray();
        int[] folds;
        if (o.FoldAssignment is not null)
        {
            folds = o.FoldAssignment.ToArray();
            CrossValidationFolds.Check(labels, set.Groups, folds, F);
        }
        else folds = CrossValidationFolds.Assign(labels, set.Groups, F, o.Seed);
        var control = ControlTask.Labels(labels, folds, o.Seed, set.Groups);
        double chance = labels.GroupBy(x => x).Max(g => g.Count()) / (double)n;

        using var columns = new ProbeColumns(set, o, device);
        int pc = columns.Labels.Count;
        var cells = new List<ProbeCell>();
        int maxIter = 0;
        long convergedCount = 0, problemCount = 0;
        bool partial = false;

        // Fixed per sweep: labels (N, Q), fold masks, baseline accuracy per column.
        using var labelQ = tensor(Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, Q).Select(q => (long)(q < F ? labels[i] : control[i]))).ToArray(), [n, Q], device: device);
        var foldOfQ = Enumerable.Range(0, Q).Select(q => q % F).ToArray();
        var train = new float[n * Q];
        var test = new float[n * Q];
        for (int i = 0; i < n; i++)
            for (int q = 0; q < Q; q++)
            {
                train[i * Q + q] = folds[i] != foldOfQ[q] ? 1 : 0;
                test[i * Q + q] = folds[i] == foldOfQ[q] ? 1 : 0;
            }
        using var trainNQ = tensor(train, [n, Q], device: device);
        using var testNQ = tensor(test, [n, Q], device: device);
        using var weights = columns.Valid.unsqueeze(-1) * trainNQ.unsqueeze(0);      // (Pc, N, Q)
        using var testMask = columns.Valid.unsqueeze(-1) * testNQ.unsqueeze(0);      // (Pc, N, Q)
        var questions = columns.Valid.sum(1).to(int64).cpu().data<long>().ToArray();  // (Pc)
        var baseline = BaselineAccuracy(set, columns, device, questions);

        try
        {
            // Small layers are solved several at a time (one batched problem over layers x columns); big ones one by one.
            long sliceBytes = (long)pc * n * (set.Dim + 1) * 4;
            int perGroup = (int)Math.Clamp(o.MaxBatchBytes / Math.Max(1, sliceBytes), 1, layers.Count);
            for (int g0 = 0; g0 < layers.Count; g0 += perGroup)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var group = layers.Skip(g0).Take(perGroup).ToArray();
                using var scope = NewDisposeScope();
                var validG = columns.Valid.repeat(group.Length, 1);                   // (G*Pc, N)
                var weightsG = weights.repeat(group.Length, 1, 1);                   // (G*Pc, N, Q)
                var testG = testMask.repeat(group.Length, 1, 1);                     // (G*Pc, N, Q)
                var (correct, iterations, converged) = ProbeLayers(set, group, columns, validG, weightsG, testG, labelQ, classes, F, Q, o, device, cancellationToken);
                maxIter = Math.Max(maxIter, iterations);
                convergedCount += converged;
                problemCount += (long)group.Length * pc * Q;
                for (int gi = 0; gi < group.Length; gi++)
                {
                    int layer = group[gi];
                    for (int c = 0; c < pc; c++)
                    {
                        long total = questions[c];
                        long k = correct[gi * pc + c, 0];
                        var (lo, hi) = WilsonInterval.Compute(k, total);
                        double acc = total == 0 ? double.NaN : (double)k / total;
                        double ctrl = o.Control && total > 0 ? (double)correct[gi * pc + c, 1] / total : double.NaN;
                        cells.Add(new ProbeCell(layer, columns.Labels[c], acc, lo, hi, ctrl, acc - ctrl, baseline[c], (int)total, (int)k));
                    }
                    int done = g0 + gi + 1;
                    var best = cells.Where(x => x.Layer == layer).MaxBy(x => x.Accuracy)!;
                    progress?.Report(new SweepProgress(done, layers.Count, done * pc, layers.Count * pc, clock.Elapsed,
                        $"layer {layer} ({done}/{layers.Count}): best accuracy {best.Accuracy:F3} at position {best.Position}, {iterations} iterations")
                        { BestAccuracy = best.Accuracy });
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            partial = true;
        }

        return new ProbeSweepResult
        {
            Cells = cells,
            Layers = layers,
            Positions = columns.Labels.ToList(),
            Options = o,
            IsPartial = partial,
            Questions = n,
            ClassNames = set.ClassNames,
            ChanceAccuracy = chance,
            FoldAssignment = folds,
            Source = set.Source,
            Device = device.ToString(),
            Elapsed = clock.Elapsed,
            MaxIterationsUsed = maxIter,
            ConvergedFraction = problemCount == 0 ? double.NaN : (double)convergedCount / problemCount,
            HasBaseline = set.BaselineScores is not null,
        };
    }

    /// <summary>
    /// Trains every column's probes for a group of G layers as one batched problem; returns correct counts (G*Pc, R)
    /// (row = layer-in-group * Pc + column), iterations and converged problems.
    /// </summary>
    static (long[,] Correct, int Iterations, long Converged) ProbeLayers(ActivationSet set, int[] group, ProbeColumns columns, Tensor validG,
        Tensor weights, Tensor testMask, Tensor labelQ, int classes, int F, int Q, ProbeSweepOptions o, Device device, CancellationToken ct)
    {
        int d = set.Dim;
        int pc = columns.Labels.Count;
        var xa = empty([group.Length * pc, set.Count, d + 1], float32, device);     // (G*Pc, N, D+1): standardised features, ones last
        for (int gi = 0; gi < group.Length; gi++)
        {
            using var slot = xa.narrow(0, gi * pc, pc);                              // (Pc, N, D+1), contiguous
            if (columns.IsIdentity && device.type == DeviceType.CPU)
            {
                set.ReadLayerTransposed(group[gi], slot);                            // filled straight from the file: one slice in memory
            }
            else
            {
                using var raw = set.ReadLayer(group[gi]);                            // (N, P, D) CPU
                using var onDevice = raw.to(device);
                using var cols = columns.Apply(onDevice);                            // (Pc, N, D)
                slot[TensorIndex.Ellipsis, TensorIndex.Slice(0, d)].copy_(cols);
            }
        }
        var x = xa[TensorIndex.Ellipsis, TensorIndex.Slice(0, d)];                    // view (Pc, N, D)
        var valid = validG.unsqueeze(-1);                                            // (G*Pc, N, 1)
        var count = valid.sum(1, keepdim: true).clamp_min(1);                        // (Pc, 1, 1)
        long rows = x.shape[1], step = Math.Max(1, Math.Min(rows, (1L << 24) / Math.Max(1, x.shape[0] * d))); // row chunks of ~64 MB
        // Big temporaries go in row chunks, each freed at once (a dispose scope would keep them to the layer's end).
        x.mul_(valid);
        var mean = zeros([x.shape[0], 1, d], float32, device);                       // (Pc, 1, D)
        for (long r0 = 0; r0 < rows; r0 += step)
            using (var s1 = x.narrow(1, r0, Math.Min(step, rows - r0)).sum(1, keepdim: true)) mean.add_(s1);
        mean.div_(count);
        x.sub_(mean).mul_(valid);
        var sd = zeros([x.shape[0], 1, d], float32, device);                         // (Pc, 1, D) population sd, as StandardScaler
        for (long r0 = 0; r0 < rows; r0 += step)
            using (var part = x.narrow(1, r0, Math.Min(step, rows - r0)).square())
            using (var s2 = part.sum(1, keepdim: true)) sd.add_(s2);
        sd.div_(count).sqrt_();
        x.div_(torch.where(sd > 1e-12, sd, torch.ones_like(sd)));
        xa[TensorIndex.Ellipsis, d].fill_(1);

        // Fold-training statistics of the globally standardised features: penalty weight (sd_f / sd_all)^2 per fold.
        var wq = weights.index_select(2, arange(F, device: device));                 // (Pc, N, F) train weights of the task problems
        var wT = wq.transpose(1, 2);                                                 // (Pc, F, N)
        var nf = wT.sum(2, keepdim: true).clamp_min(1);                              // (Pc, F, 1)
        var mf = zeros([x.shape[0], F, d], float32, device);                         // (Pc, F, D) fold sums, then means
        var sq = zeros([x.shape[0], F, d], float32, device);                         // (Pc, F, D) fold sums of squares
        for (long r0 = 0; r0 < rows; r0 += step)
        {
            long len = Math.Min(step, rows - r0);
            using var part = x.narrow(1, r0, len).contiguous();                      // (Pc, chunk, D)
            using var wPart = wT.narrow(2, r0, len);
            using (var s1 = wPart.bmm(part)) mf.add_(s1);
            using (var p2 = part.square())
            using (var s2 = wPart.bmm(p2)) sq.add_(s2);
        }
        mf.div_(nf);
        var vf = (sq / nf - mf.square()).clamp_min(0);                               // (Pc, F, D)
        var penF = vf.clamp_min(1e-8);                                               // (Pc, F, D) = (sd_f / sd_all)^2
        var penQ = penF.index_select(1, tensor(Enumerable.Range(0, Q).Select(q => (long)(q % F)).ToArray(), device: device)); // (Pc, Q, D)
        var penalty = cat([penQ.transpose(1, 2), zeros([penQ.shape[0], 1, Q], float32, device)], 1); // (Pc, D+1, Q)

        Tensor? bound = null;
        if (o.Preconditioner)
        {
            // Curvature bound shared by a column's problems: c * Xa' diag(valid) Xa * (F-1)/F + lambda * mean penalty (+ tiny ridge),
            // c = 1/4 for the sigmoid (Böhning's bound), 1/2 for softmax.
            double c = (classes == 2 ? 0.25 : 0.5) * (F - 1.0) / F;
            var xv = xa * validG.unsqueeze(-1);                                      // (G*Pc, N, D+1)
            bound = xv.transpose(1, 2).bmm(xa).mul_(c);                              // (Pc, D+1, D+1)
            var diag = penalty.mean([2L]) / o.C + 1e-4;                               // (Pc, D+1)
            bound.add_(diag_embed(diag));
        }
        var fit = BatchedLogisticRegression.Solve(xa, weights, labelQ, penalty, classes, 1.0 / o.C, o.MaxIterations, o.Tolerance, ct, bound);
        int K = classes == 2 ? 1 : classes;
        var z = xa.bmm(fit.Theta.reshape(xa.shape[0], d + 1, Q * K)).reshape(xa.shape[0], xa.shape[1], Q, K); // (Pc, N, Q, K)
        var pred = K == 1 ? (z.squeeze(-1) > 0).to(int64) : z.argmax(-1);          // (Pc, N, Q)
        var hit = (pred == labelQ.unsqueeze(0)).to(float32) * testMask;            // (Pc, N, Q)
        var perQ = hit.sum(1);                                                       // (Pc, Q)
        int R = Q / F;
        var perR = perQ.reshape(perQ.shape[0], R, F).sum(2).round().to(int64).cpu(); // (Pc, R)
        var data = perR.data<long>().ToArray();
        var correct = new long[perR.shape[0], R];
        for (int c = 0; c < perR.shape[0]; c++)
            for (int r = 0; r < R; r++) correct[c, r] = data[c * R + r];
        long conv = fit.Converged.sum().item<long>();
        xa.Dispose();
        return (correct, fit.Iterations, conv);
    }

    static double[] BaselineAccuracy(ActivationSet set, ProbeColumns columns, Device device, long[] questions)
    {
        int pc = columns.Labels.Count;
        if (set.BaselineScores is null) return Enumerable.Repeat(double.NaN, pc).ToArray();
        using var scope = NewDisposeScope();
        var scores = tensor(set.BaselineScores, [set.Count, set.Positions, set.ClassCount], device: device); // (N, P, C)
        var cols = columns.Apply(scores);                                            // (Pc, N, C)
        var labels = tensor(set.Labels.Select(x => (long)x).ToArray(), device: device);
        var hit = (cols.argmax(-1) == labels.unsqueeze(0)).to(float32) * columns.Valid; // (Pc, N)
        var k = hit.sum(1).cpu().data<float>().ToArray();
        return Enumerable.Range(0, pc).Select(c => questions[c] == 0 ? double.NaN : k[c] / questions[c]).ToArray();
    }
}
