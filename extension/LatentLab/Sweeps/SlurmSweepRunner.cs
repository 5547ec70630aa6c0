using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LatentLab.Sweeps;

/// <summary>
/// Runs a sweep's pending points as one Slurm job array: writes the job script (<c>#SBATCH --array=...%limit</c> with the
/// partition, time, CPUs, memory, GPUs and any other sbatch option), submits it with <c>sbatch</c>, follows it with
/// <c>squeue</c> while reading the points' files from the shared folder, and cancels it with <c>scancel</c> on an interrupt.
/// Scheduling, limits and retries are Slurm's; each array task runs the same command line the local runner would.
/// </summary>
public static class SlurmSweepRunner
{
    /// <summary>Submits the pending points of <paramref name="folder"/>, follows them to the end and reads back every point's state.</summary>
    public static async Task<SweepOutcome> RunAsync(SweepFolder folder, SweepTool tool, IProgress<SweepRunProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var plan = folder.Plan;
        var before = folder.Statuses();
        var pending = before.Where(s => s.State != PointState.Done).Select(s => s.Point).ToList();
        int skipped = before.Count - pending.Count;
        if (pending.Count == 0) return new SweepOutcome(folder, before, false, clock.Elapsed, skipped);
        foreach (var p in pending) folder.Prepare(p);

        var script = WriteScript(folder, tool, pending);
        var submitted = await RunAsync("sbatch", ["--parsable", script], folder.Path, CancellationToken.None).ConfigureAwait(false);
        if (submitted.Code != 0)
            throw new InvalidOperationException($"sbatch {script} failed (exit code {submitted.Code}): {submitted.Error.Trim()} {submitted.Output.Trim()}".Trim() +
                                                " — is Slurm reachable from here (sinfo)? Check --partition, --time and --sbatch.");
        var jobId = submitted.Output.Trim().Split(';')[0].Trim();
        File.AppendAllText(Path.Combine(folder.Path, "slurm", "jobs.txt"), $"{jobId} {Path.GetFileName(script)} {pending.Count} points{Environment.NewLine}");
        var where = $"Slurm job {jobId}";
        bool interrupted = false;
        int empty = 0;
        while (true)
        {
            var running = 0;
            var queued = 0;
            var q = await RunAsync("squeue", ["-h", "-r", "-j", jobId, "-o", "%i|%T"], folder.Path, CancellationToken.None).ConfigureAwait(false);
            var lines = q.Code == 0 ? q.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            foreach (var line in lines)
            {
                var state = line.Split('|').Last();
                if (state is "RUNNING" or "COMPLETING") running++;
                else queued++;
            }
            var now = pending.Select(folder.Status).ToList();
            int done = skipped + now.Count(s => s.State == PointState.Done), failed = now.Count(s => s.State == PointState.Failed);
            int finishedHere = done - skipped + failed;
            TimeSpan? eta = finishedHere > 0 ? TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / finishedHere * (plan.Points.Count - done - failed)) : null;
            progress?.Report(new SweepRunProgress(plan.Points.Count, done, running, failed, skipped, clock.Elapsed, eta)
            {
                Where = where, JobId = jobId,
                LastFailure = now.LastOrDefault(s => s.State == PointState.Failed) is { } f ? $"{f.Point.Name}: {f.Error}" : null,
            });
            // squeue forgets a job some time after it ends (MinJobAge); an array task also vanishes once it finished.
            empty = lines.Length == 0 && (q.Code == 0 || q.Error.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) ? empty + 1 : 0;
            if (empty >= 2) break;
            if (cancellationToken.IsCancellationRequested && !interrupted)
            {
                interrupted = true;
                await RunAsync("scancel", [jobId], folder.Path, CancellationToken.None).ConfigureAwait(false);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(interrupted ? Math.Min(1, plan.Options.PollSeconds) : plan.Options.PollSeconds), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // scancel on the next turn, then wait until the array has left the queue
            }
        }
        var statuses = folder.Statuses().Select(s => s.State == PointState.Pending && pending.Contains(s.Point)
            ? s with { Error = $"ended without a result (cancelled with scancel, out of --time, or killed by Slurm); Slurm's log: slurm/{jobId}_{s.Point.Index}.out" }
            : s).ToList();
        return new SweepOutcome(folder, statuses, interrupted, clock.Elapsed, skipped);
    }

    /// <summary>
    /// Writes the job-array script for <paramref name="points"/> into <c>slurm/</c> of the folder and returns its path. Array task
    /// i runs point i: <c>latentlab &lt;command&gt; ... --out-dir points/NAME --summary points/NAME/result.json</c>, its stdout and
    /// stderr in the point's folder, and leaves <c>exit-code</c> there when it fails.
    /// </summary>
    public static string WriteScript(SweepFolder folder, SweepTool tool, IReadOnlyList<SweepPoint> points)
    {
        var o = folder.Plan.Options;
        var slurmDir = Path.Combine(folder.Path, "slurm");
        Directory.CreateDirectory(slurmDir);
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append($"# latentlab sweep {folder.Plan.Command.Name}: {points.Count} of {folder.Plan.Points.Count} points (written by LatentLab; sbatch it again to rerun these points)\n");
        s.Append($"#SBATCH --job-name=latentlab-{folder.Plan.Command.Name}\n");
        s.Append($"#SBATCH --array={Ranges(points.Select(p => p.Index))}{(o.Workers > 0 ? $"%{o.Workers}" : "")}\n");
        s.Append($"#SBATCH --output={slurmDir}/%A_%a.out\n");
        s.Append($"#SBATCH --chdir={folder.Path}\n");
        s.Append("#SBATCH --ntasks=1\n");
        s.Append($"#SBATCH --cpus-per-task={(o.CpusPerTask > 0 ? o.CpusPerTask : o.ThreadsPerPoint)}\n");
        s.Append($"#SBATCH --time={o.Time}\n");
        if (o.Partition is { Length: > 0 } partition) s.Append($"#SBATCH --partition={partition}\n");
        if (o.Mem is { Length: > 0 } mem) s.Append($"#SBATCH --mem={mem}\n");
        if (o.Gres is { Length: > 0 } gres) s.Append($"#SBATCH --gres={gres}\n");
        foreach (var extra in (o.Sbatch ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            s.Append($"#SBATCH {extra}\n");
        s.Append("set -u\n");
        var threads = o.ThreadsPerPoint.ToString(CultureInfo.InvariantCulture);
        s.Append($"export OMP_NUM_THREADS={threads} MKL_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads}\n");
        s.Append("case \"$SLURM_ARRAY_TASK_ID\" in\n");
        foreach (var p in points)
        {
            var dir = folder.PointFolder(p);
            s.Append($"  {p.Index}) dir={Quote(dir)}; cmd=({string.Join(' ', tool.CommandLine(p.ArgumentsFor(dir)).Select(Quote))}) ;;\n");
        }
        s.Append("  *) echo \"latentlab sweep: no point $SLURM_ARRAY_TASK_ID in this script\" >&2; exit 2 ;;\nesac\n");
        s.Append("mkdir -p \"$dir\"\n");
        s.Append($"rm -f \"$dir/{SweepFolder.ResultFile}\" \"$dir/{SweepFolder.ExitCodeFile}\"\n");
        s.Append($"\"${{cmd[@]}}\" </dev/null >\"$dir/stdout.log\" 2>\"$dir/{SweepFolder.ErrorFile}\"\n");
        s.Append("rc=$?\n");
        s.Append($"if [ \"$rc\" -ne 0 ]; then echo \"$rc\" >\"$dir/.{SweepFolder.ExitCodeFile}.tmp\" && mv \"$dir/.{SweepFolder.ExitCodeFile}.tmp\" \"$dir/{SweepFolder.ExitCodeFile}\"; fi\n");
        s.Append("exit \"$rc\"\n");
        int n = Directory.GetFiles(slurmDir, "sweep-*.sbatch").Length;
        var path = Path.Combine(slurmDir, $"sweep-{n + 1}.sbatch");
        SweepFolder.WriteAtomically(path, s.ToString());
        return path;
    }

    /// <summary>Indices as Slurm's array ranges: 0-3,5,7-9.</summary>
    public static string Ranges(IEnumerable<int> indices)
    {
        var sorted = indices.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";

    /// <summary>Runs a Slurm command; its exit code, stdout and stderr (a missing command is exit code 127 with a message).</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string file, IReadOnlyList<string> args, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in args) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, "", $"{file} not found ({e.Message}): install Slurm's client commands (sbatch, squeue, scancel) or run with --on local.");
        }
    }
}
