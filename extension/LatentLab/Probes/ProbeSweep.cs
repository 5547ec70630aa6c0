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
/// Layers are read one at a time, so memory holds about one layer's slice. Within a layer the columns are solved in
/// cache-sized blocks; on request (<see cref="ProbeSolverForm.Kernel"/>) each fold's probe is solved in the kernel form
/// instead: the same optimum over n_train + 1 unknowns, for widths far above the training count.
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
        set.ThrowIfSingleClass();
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
        // A layer's chunk temporaries and per-layer statistics (16-64 MB at real size) go back to the OS when freed instead
        // of staying in the heap beside the layer's slice (see NativeAllocator). Measured on two real-size layers at 2
        // threads (`$B probes real DIR --sweep-layers 2`, 2026-12-03, both with the chunk buffer held to the layer's end):
        // peak RSS 1.60 GB with this scope against 1.71 GB with KeepPagesMapped, which was faster (21.9 against 27.7 s CPU:
        // at D=2048 a column's 4.1 MB design copies lie just above the 4 MB threshold, so they are mmap'ed and faulted in
        // per block); the peak wins, the time is far inside the target either way. Freeing the chunk buffer before the
        // solve then took the peak to 1.54 GB (1.49 GB before this pass, with a new slice per layer).
        using var memory = NativeAllocator.ReturnLargeBlocks();
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

        // Small layers are solved several at a time (one batched problem over layers x columns); big ones one by one.
        long sliceBytes = (long)pc * n * (set.Dim + 1) * 4;
        int perGroup = (int)Math.Clamp(o.MaxBatchBytes / Math.Max(1, sliceBytes), 1, Math.Max(1, layers.Count));
        // One slab for every group's standardised features, (perGroup*Pc, N, D+1), filled afresh for each group: a new
        // slice per layer made the OS map and zero ~1 GB of fresh pages per layer at real size (262 k page faults of ~1.6 M).
        Tensor? slab = null;
        // The threads that solve a layer's blocks (see ProbeLayers), made once for the sweep: a new pair per layer gave each
        // layer's threads fresh malloc arenas, and the process grew by ~0.6 GB over 28 real-size layers.
        using var pool = device.type == DeviceType.CPU && torch.get_num_threads() > 1 ? PartWorkers.SingleThreadedTorch(torch.get_num_threads()) : null;
        try
        {
            for (int g0 = 0; g0 < layers.Count; g0 += perGroup)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var group = layers.Skip(g0).Take(perGroup).ToArray();
                slab ??= empty([Math.Min(perGroup, layers.Count) * pc, n, set.Dim + 1], float32, device).DetachFromDisposeScope();
                using var scope = NewDisposeScope();
                var validG = columns.Valid.repeat(group.Length, 1);                   // (G*Pc, N)
                var weightsG = weights.repeat(group.Length, 1, 1);                   // (G*Pc, N, Q)
                var testG = testMask.repeat(group.Length, 1, 1);                     // (G*Pc, N, Q)
                var xa = slab.narrow(0, 0, group.Length * pc);                       // (G*Pc, N, D+1), contiguous
                var (correct, iterations, converged) = ProbeLayers(set, group, columns, xa, validG, folds, weightsG, testG, labelQ, classes, F, Q, o, device, pool, cancellationToken);
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
        finally
        {
            slab?.Dispose();
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
    /// (row = layer-in-group * Pc + column), iterations and converged problems. <paramref name="xa"/> (G*Pc, N, D+1) is
    /// the caller's buffer, overwritten here with the standardised features (ones last).
    /// </summary>
    static (long[,] Correct, int Iterations, long Converged) ProbeLayers(ActivationSet set, int[] group, ProbeColumns columns, Tensor xa,
        Tensor validG, int[] folds, Tensor weights, Tensor testMask, Tensor labelQ, int classes, int F, int Q, ProbeSweepOptions o, Device device,
        PartWorkers? pool, CancellationToken ct)
    {
        int d = set.Dim;
        int pc = columns.Labels.Count;
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
        // One chunk buffer (Pc, step, D) for the squared and copied chunks below: a fresh ~64 MB temporary per chunk was
        // mmap'ed, faulted in and unmapped again (~520 k page faults per real-size layer). Same operations, same numbers.
        var chunkBuffer = empty([x.shape[0], Math.Min(step, rows), d], float32, device);   // freed after the fold statistics
        var sd = zeros([x.shape[0], 1, d], float32, device);                         // (Pc, 1, D) population sd, as StandardScaler
        for (long r0 = 0; r0 < rows; r0 += step)
        {
            long len = Math.Min(step, rows - r0);
            using var part = chunkBuffer.narrow(1, 0, len);                          // (Pc, chunk, D)
            using (var src = x.narrow(1, r0, len)) part.copy_(src).mul_(part);        // squared, as square() computes it
            using (var s2 = part.sum(1, keepdim: true)) sd.add_(s2);
        }
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
            using var part = chunkBuffer.narrow(1, 0, len);                          // (Pc, chunk, D), contiguous
            using (var src = x.narrow(1, r0, len)) part.copy_(src);
            using var wPart = wT.narrow(2, r0, len);
            using (var s1 = wPart.bmm(part)) mf.add_(s1);
            part.mul_(part);                                                         // squared in place: one chunk-sized temporary, not two
            using (var s2 = wPart.bmm(part)) sq.add_(s2);
        }
        chunkBuffer.Dispose();                                                       // not held while the blocks iterate
        mf.div_(nf);
        var vf = (sq / nf - mf.square()).clamp_min(0);                               // (Pc, F, D)
        var penF = vf.clamp_min(1e-8);                                               // (Pc, F, D) = (sd_f / sd_all)^2
        var penQ = penF.index_select(1, tensor(Enumerable.Range(0, Q).Select(q => (long)(q % F)).ToArray(), device: device)); // (Pc, Q, D)
        var penalty = cat([penQ.transpose(1, 2), zeros([penQ.shape[0], 1, Q], float32, device)], 1); // (Pc, D+1, Q)

        int R = Q / F;
        long cellCount = xa.shape[0];
        var hits = zeros([cellCount, Q], float32, device);                           // (G*Pc, Q) correct held-out predictions
        int iterations = 0;
        long conv = 0;
        // Kernel form only when asked: its kernels cost about as much as 80 primal iterations' products per column, and on
        // the real-size benchmark (D = 2048, n_train = 400) L-BFGS needed 11-24 iterations, so the primal form was faster.
        var trainIdx = Enumerable.Range(0, F).Select(f => Enumerable.Range(0, folds.Length).Where(i => folds[i] != f).ToArray()).ToArray();
        int nMax = trainIdx.Max(t => t.Length);
        bool kernel = o.SolverForm == ProbeSolverForm.Kernel;
        long cellBytes = kernel ? (long)F * nMax * nMax * 4 : set.Count * (d + 1L) * 4;   // kernel: one column's factors
        // Primal: blocks of ~BlockBytes stay in cache while they iterate. Kernel: the per-fold features A (freed after the
        // block) dominate memory, ~KernelBlockBytes per block; the solve itself runs on the much smaller factors.
        long blockBytes = kernel ? KernelBlockBytes : o.BlockBytes;
        long block = blockBytes <= 0 ? cellCount : Math.Clamp(blockBytes / cellBytes, 1, cellCount);
        long blocks = (cellCount + block - 1) / block;
        (int Iterations, long Converged) Solve(long b)
        {
            ct.ThrowIfCancellationRequested();
            long c0 = b * block, len = Math.Min(block, cellCount - c0);
            using var bs = NewDisposeScope();
            var (blockHits, it, cv) = kernel
                ? SolveKernelBlock(xa.narrow(0, c0, len), validG.narrow(0, c0, len), penF.narrow(0, c0, len), testMask.narrow(0, c0, len),
                    labelQ, trainIdx, nMax, classes, F, R, o, device, ct)
                : SolvePrimalBlock(xa.narrow(0, c0, len), validG.narrow(0, c0, len), weights.narrow(0, c0, len), penalty.narrow(0, c0, len),
                    testMask.narrow(0, c0, len), labelQ, classes, F, o, ct);
            hits.narrow(0, c0, len).copy_(blockHits);                                // disjoint rows per block
            return (it, cv);
        }
        // Blocks are independent problems. With several torch threads on the CPU they are shared out among that many threads,
        // each running torch single-threaded, instead of one block at a time with every op split over the threads: at real
        // size a block is one column (4 MB) and its ops are small, so an op split over OpenMP threads spent ~25% of the CPU
        // time waking and parking them. A block gives the same numbers whichever thread runs it.
        if (pool is null || blocks == 1)
        {
            for (long b = 0; b < blocks; b++)
            {
                var (it, cv) = Solve(b);
                iterations = Math.Max(iterations, it);
                conv += cv;
            }
        }
        else
        {
            long next = -1;
            var perWorker = new (int Iterations, long Converged)[pool.Parts];   // a thread that finds no block keeps (0, 0)
            try
            {
                pool.Run(w =>
                {
                    for (long b; (b = Interlocked.Increment(ref next)) < blocks;)
                    {
                        try
                        {
                            var (it, cv) = Solve(b);
                            perWorker[w] = (Math.Max(perWorker[w].Iterations, it), perWorker[w].Converged + cv);
                        }
                        catch
                        {
                            Interlocked.Exchange(ref next, blocks);                 // the other threads take no new block
                            throw;
                        }
                    }
                });
            }
            catch (AggregateException e) when (e.InnerException is { } inner)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);   // as the 1-thread loop throws it (cancel: partial result)
            }
            iterations = perWorker.Max(p => p.Iterations);
            conv = perWorker.Sum(p => p.Converged);
        }
        var perR = hits.reshape(cellCount, R, F).sum(2).round().to(int64).cpu();     // (G*Pc, R)
        var data = perR.data<long>().ToArray();
        var correct = new long[perR.shape[0], R];
        for (int c = 0; c < perR.shape[0]; c++)
            for (int r = 0; r < R; r++) correct[c, r] = data[c * R + r];
        return (correct, iterations, conv);
    }

    /// <summary>Bytes of fold features per kernel-form block (a few columns; small beside a real model's layer slice).</summary>
    static long KernelBlockBytes => long.TryParse(Environment.GetEnvironmentVariable("LATENTLAB_KERNEL_BLOCK_MB"), out var mb) ? mb << 20 : 64L << 20;

    /// <summary>
    /// Primal form for a block of B columns: every column's Q problems share its design matrix (B, N, D+1); fold f's
    /// problems penalise weight j by (sd_f,j / sd_all,j)^2. Returns held-out correct counts (B, Q).
    /// </summary>
    static (Tensor Hits, int Iterations, long Converged) SolvePrimalBlock(Tensor xb, Tensor validB, Tensor weightsB, Tensor penaltyB,
        Tensor testB, Tensor labelQ, int classes, int F, ProbeSweepOptions o, CancellationToken ct)
    {
        long b = xb.shape[0], n = xb.shape[1], d1 = xb.shape[2], Q = weightsB.shape[2];
        int K = classes == 2 ? 1 : classes;
        Tensor? bound = null;
        if (o.Preconditioner)
        {
            // Curvature bound shared by a column's problems: c * Xa' diag(valid) Xa * (F-1)/F + lambda * mean penalty (+ tiny ridge),
            // c = 1/4 for the sigmoid (Böhning's bound), 1/2 for softmax.
            double c = (classes == 2 ? 0.25 : 0.5) * (F - 1.0) / F;
            var xv = xb * validB.unsqueeze(-1);                                      // (B, N, D+1)
            bound = xv.transpose(1, 2).bmm(xb).mul_(c);                              // (B, D+1, D+1)
            var diag = penaltyB.mean([2L]) / o.C + 1e-4;                              // (B, D+1)
            bound.add_(diag_embed(diag));
        }
        var fit = BatchedLogisticRegression.Solve(xb, weightsB, labelQ, penaltyB, classes, 1.0 / o.C, o.MaxIterations, o.Tolerance, ct, bound);
        var z = xb.bmm(fit.Theta.reshape(b, d1, Q * K)).reshape(b, n, Q, K);         // (B, N, Q, K)
        var pred = K == 1 ? (z.squeeze(-1) > 0).to(int64) : z.argmax(-1);          // (B, N, Q)
        var hit = (pred == labelQ.unsqueeze(0)).to(float32) * testB;               // (B, N, Q)
        return (hit.sum(1), fit.Iterations, fit.Converged.sum().item<long>());
    }

    /// <summary>
    /// Kernel (representer) form for a block of B columns, exact for the same objective. Fold f's probe on the
    /// fold-standardised features A_f = X_train,f diag(v_f^-1/2) (v_f: the fold's training variances of the globally
    /// standardised features) has weights u = A_f' alpha; with K_f = A_f A_f' = L L' (Cholesky), gamma = L' alpha gives
    /// logits L gamma + b and penalty ||gamma||^2 / 2C: a plain L2 logistic regression over n_train + 1 unknowns
    /// (features L), solved by the same batched L-BFGS. Rows a column lacks (validity) get zero features and weight 0,
    /// and a unit diagonal so the factor exists. Returns held-out correct counts (B, Q) with Q = R * F (task folds, then control).
    /// </summary>
    static (Tensor Hits, int Iterations, long Converged) SolveKernelBlock(Tensor xb, Tensor validB, Tensor penF, Tensor testB, Tensor labelQ,
        int[][] trainIdx, int nMax, int classes, int F, int R, ProbeSweepOptions o, Device device, CancellationToken ct)
    {
        long b = xb.shape[0], n = xb.shape[1], d = xb.shape[2] - 1, bf = b * F;
        int K = classes == 2 ? 1 : classes, Q = R * F;
        var idx = tensor(trainIdx.SelectMany(t => t.Concat(Enumerable.Repeat(0, nMax - t.Length))).Select(i => (long)i).ToArray(), [F, nMax], device: device); // (F, nMax)
        var real = tensor(trainIdx.SelectMany(t => Enumerable.Repeat(1f, t.Length).Concat(Enumerable.Repeat(0f, nMax - t.Length))).ToArray(), [1, F, nMax], device: device);
        var x = xb[TensorIndex.Ellipsis, TensorIndex.Slice(0, d)];                 // (B, N, D) view
        var scale = penF.clamp_min(1e-8).rsqrt();                                   // (B, F, D) = v_f^-1/2
        var rowW = validB.index_select(1, idx.view(-1)).view(b, F, nMax) * real;    // (B, F, nMax) 1 = trains fold f
        var sw = Stopwatch.StartNew();
        var kf = empty([b, F, nMax, nMax], float32, device);                         // (B, F, nMax, nMax) kernels
        for (int f = 0; f < F; f++)
        {
            // A_f (B, nMax, D), freed at once: only the kernels stay for the solve.
            using var af = x.index_select(1, idx[f]).mul_(scale.narrow(1, f, 1)).mul_(rowW.narrow(1, f, 1).transpose(1, 2));
            using var kff = af.bmm(af.transpose(1, 2));                              // (B, nMax, nMax)
            kf.select(1, f).copy_(kff);
        }
        var kflat = kf.view(bf, nMax, nMax);                                         // (B*F, nMax, nMax)
        double tGram = sw.Elapsed.TotalMilliseconds;
        var diagMean = kflat.diagonal(0, 1, 2).mean([1L], keepdim: true);           // (B*F, 1)
        var lower = CholeskyWithJitter(kflat, (1 - rowW).view(bf, nMax), diagMean); // (B*F, nMax, nMax) lower
        kf.Dispose();
        double tChol = sw.Elapsed.TotalMilliseconds;
        var design = cat([lower, ones([bf, nMax, 1], float32, device)], 2);          // (B*F, nMax, nMax+1): features L, ones last
        var weights = rowW.view(bf, nMax, 1).expand(-1, -1, R).contiguous();        // (B*F, nMax, R)
        // Labels of fold f's training rows for task (r = 0) and control (r = 1): problem q = r*F + f.
        var qOf = tensor(Enumerable.Range(0, F).SelectMany(f => Enumerable.Range(0, R).Select(r => (long)(r * F + f))).ToArray(), [F, R], device: device);
        var labels = labelQ.index_select(0, idx.view(-1)).view(F, nMax, Q)
            .gather(2, qOf.unsqueeze(1).expand(-1, nMax, -1));                       // (F, nMax, R)
        var labelsB = labels.unsqueeze(0).expand(b, -1, -1, -1).reshape(bf, nMax, R); // (B*F, nMax, R)
        var penalty = cat([ones([1, nMax, 1], float32, device), zeros([1, 1, 1], float32, device)], 1)
            .expand(bf, -1, R).contiguous();                                         // (B*F, nMax+1, R)
        double tPrep = sw.Elapsed.TotalMilliseconds;
        var fit = BatchedLogisticRegression.Solve(design, weights, labelsB, penalty, classes, 1.0 / o.C, o.MaxIterations, o.Tolerance, ct);
        double tSolve = sw.Elapsed.TotalMilliseconds;
        var theta = fit.Theta;                                                       // (B*F, nMax+1, R, K)
        var gamma = theta.narrow(1, 0, nMax).reshape(bf, nMax, R * K);               // (B*F, nMax, R*K)
        var bias = theta.select(1, nMax).reshape(b, F, R * K);                       // (B, F, R*K)
        var alpha = linalg.solve_triangular(lower.transpose(1, 2), gamma, upper: true); // (B*F, nMax, R*K): L' alpha = gamma
        // Weights on the global features, w = diag(v_f^-1) X_train,f' alpha: one product with alpha scattered to its rows.
        var alphaF = alpha.view(b, F, nMax, R * K).mul(rowW.unsqueeze(-1));        // (B, F, nMax, R*K), padded rows zero
        var alphaN = zeros([b, n, F, R * K], float32, device);                       // (B, N, F, R*K)
        for (int f = 0; f < F; f++)
            alphaN.select(2, f).index_add_(1, idx[f], alphaF.select(1, f), 1);
        var w = x.transpose(1, 2).bmm(alphaN.view(b, n, F * R * K)).view(b, d, F, R * K)
            .mul_(scale.square().transpose(1, 2).unsqueeze(-1));                     // (B, D, F, R*K)
        var z = x.bmm(w.view(b, d, F * R * K)).view(b, n, F, R * K)
            .add_(bias.unsqueeze(1));                                                // (B, N, F, R*K) logits of every question
        var zq = z.view(b, n, F, R, K).transpose(2, 3).reshape(b, n, Q, K);          // (B, N, Q, K), q = r*F + f
        var pred = K == 1 ? (zq.squeeze(-1) > 0).to(int64) : zq.argmax(-1);        // (B, N, Q)
        var hit = (pred == labelQ.unsqueeze(0)).to(float32) * testB;               // (B, N, Q)
        var hits = hit.sum(1);
        if (Environment.GetEnvironmentVariable("LATENTLAB_DEBUG") == "2")
            Console.Error.WriteLine($"kernel block {b}: gram {tGram:F0} ms, chol {tChol - tGram:F0} ms, prep {tPrep - tChol:F0}, solve {tSolve - tPrep:F0} ({fit.Iterations} it), predict {sw.Elapsed.TotalMilliseconds - tSolve:F0}");
        return (hits, fit.Iterations, fit.Converged.sum().item<long>());
    }

    /// <summary>
    /// Lower Cholesky factor of each kernel (M, n, n) + diag(extra) + a tiny jitter (1e-6 of the mean diagonal, raised
    /// a hundredfold, up to 1e-2, for a matrix that still fails: duplicate questions make a kernel singular).
    /// </summary>
    static Tensor CholeskyWithJitter(Tensor kf, Tensor extra, Tensor diagMean)
    {
        double jitter = 1e-6;
        while (true)
        {
            var m = kf + diag_embed(extra + diagMean * jitter);                      // (M, n, n)
            var (l, info) = linalg.cholesky_ex(m);
            if (info.eq(0).all().item<bool>() || jitter >= 1e-2) return l;
            jitter *= 100;
        }
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
