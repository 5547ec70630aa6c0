using System.Diagnostics;

namespace LatentLab.Sweeps;

/// <summary>
/// Runs a sweep's pending points on this machine: a pool of worker tasks, each starting one <c>latentlab</c> process per point
/// (torch on <see cref="SweepOptions.ThreadsPerPoint"/> threads), its stderr in the point's folder. A failing point is recorded
/// and the others go on; an interrupt kills the running points' process trees and keeps every finished point.
/// </summary>
public static class LocalSweepRunner
{
    /// <summary>Runs the points of <paramref name="folder"/> not done yet with <paramref name="workers"/> processes at once (0: one per core).</summary>
    public static async Task<SweepOutcome> RunAsync(SweepFolder folder, SweepTool tool, int workers, IProgress<SweepRunProgress>? progress,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var plan = folder.Plan;
        workers = workers > 0 ? workers : Environment.ProcessorCount;
        var statuses = folder.Statuses();
        var todo = new Queue<SweepPoint>(statuses.Where(s => s.State != PointState.Done).Select(s => s.Point));
        int skipped = statuses.Count(s => s.State == PointState.Done);
        int done = skipped, failed = 0, running = 0, finishedHere = 0;
        string? lastFailure = null;
        var gate = new object();
        var where = $"{workers} local worker{(workers == 1 ? "" : "s")}";

        void Report()
        {
            SweepRunProgress p;
            lock (gate)
            {
                int left = plan.Points.Count - done - failed;
                TimeSpan? eta = finishedHere > 0 ? TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / finishedHere * left) : null;
                p = new SweepRunProgress(plan.Points.Count, done, running, failed, skipped, clock.Elapsed, eta) { Where = where, LastFailure = lastFailure };
            }
            progress?.Report(p);
        }

        async Task Worker()
        {
            while (true)
            {
                SweepPoint point;
                lock (gate)
                {
                    if (cancellationToken.IsCancellationRequested || !todo.TryDequeue(out point!)) return;
                    running++;
                }
                Report();
                var state = await RunPointAsync(folder, tool, point, plan.Options.ThreadsPerPoint, cancellationToken).ConfigureAwait(false);
                lock (gate)
                {
                    running--;
                    if (state.State == PointState.Done) { done++; finishedHere++; }
                    else if (state.State == PointState.Failed) { failed++; finishedHere++; lastFailure = $"{point.Name}: {state.Error}"; }
                }
                Report();
            }
        }

        Report();
        using (var ticker = new Timer(_ => Report(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Min(workers, Math.Max(1, todo.Count))).Select(_ => Task.Run(Worker))).ConfigureAwait(false);
        }
        Report();
        return new SweepOutcome(folder, folder.Statuses(), cancellationToken.IsCancellationRequested, clock.Elapsed, skipped);
    }

    /// <summary>Runs one point in its own process and reads back its state; an interrupt kills the process tree (the point stays pending).</summary>
    public static async Task<PointStatus> RunPointAsync(SweepFolder folder, SweepTool tool, SweepPoint point, int threads, CancellationToken cancellationToken)
    {
        var dir = folder.Prepare(point);
        var start = new ProcessStartInfo(tool.FileName)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = folder.Path,
        };
        foreach (var a in tool.Prefix.Concat(point.ArgumentsFor(dir))) start.ArgumentList.Add(a);
        SetThreadEnvironment(start.Environment, threads);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            File.WriteAllText(Path.Combine(dir, SweepFolder.ErrorFile), $"could not start {tool.FileName}: {e.Message}");
            folder.RecordFailure(point, 127);
            return folder.Status(point);
        }
        process.StandardInput.Close();
        await using (var stderr = new StreamWriter(Path.Combine(dir, SweepFolder.ErrorFile)))
        await using (var stdout = new StreamWriter(Path.Combine(dir, "stdout.log")))
        {
            var copyErr = process.StandardError.BaseStream.CopyToAsync(stderr.BaseStream, CancellationToken.None);
            var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout.BaseStream, CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // it had ended
                }
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            await Task.WhenAll(copyErr, copyOut).ConfigureAwait(false);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            File.Delete(Path.Combine(dir, SweepFolder.ResultFile));   // killed: a (partial) result must not count as done
            return folder.Status(point);
        }
        var status = folder.Status(point);
        if (status.State != PointState.Done)
        {
            folder.RecordFailure(point, process.ExitCode == 0 ? 1 : process.ExitCode);
            if (process.ExitCode == 0)
                File.AppendAllText(Path.Combine(dir, SweepFolder.ErrorFile), $"{Environment.NewLine}the tool exited with 0 but wrote no complete {SweepFolder.ResultFile} (was it given --summary?)");
            status = folder.Status(point);
        }
        return status;
    }

    /// <summary>One torch thread (or <paramref name="threads"/>) for every math library a point may load.</summary>
    public static void SetThreadEnvironment(IDictionary<string, string?> environment, int threads)
    {
        var t = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["OMP_NUM_THREADS"] = t;
        environment["MKL_NUM_THREADS"] = t;
        environment["OPENBLAS_NUM_THREADS"] = t;
    }
}
