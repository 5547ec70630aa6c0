using System.Text;
using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Probes;

namespace LatentLab.Interactive.Tests.HostileInputs;

/// <summary>#!probe-sweep with hostile but realistic inputs; after each, the kernel lives and earlier results are bound.</summary>
public class ProbeSweepHostileTests
{
    [Fact]
    public async Task AWideSetWithThePreconditioner_IsRefusedAtOnce_NamingTheEstimateTheAvailableMemoryAndWhatToLower()
    {
        using var data = new ProbeTestData();
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!probe-sweep --activations {data.Activations} --labels {data.Labels} --folds 3 --device cpu --out earlier")).AssertSucceeded();
        // A language model's residual width (16384) at 64 positions: 84 MB of activations, but a 16385^2 bound per column.
        (await kernel.SubmitAsync("""
            var wide = LatentLab.Activations.ActivationSet.FromArray(new float[20 * 1 * 64 * 16384], 20, 1, 64, 16384, Enumerable.Range(0, 20).Select(i => i % 2).ToArray());
            """)).AssertSucceeded();

        var (result, elapsed) = await kernel.TimedAsync("#!probe-sweep --activations wide --folds 2 --preconditioner --device cpu --out sweep");

        result.AssertCleanFailure("#!probe-sweep:", "need about", "available (", "preconditioner", "Lower --positions or --bins");
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(("earlier", typeof(ProbeSweepResult)), ("wide", typeof(ActivationSet)));
        // The same set without the preconditioner fits the check (one layer's slice is small): a normal sweep passes it.
        (await kernel.SubmitAsync("#!probe-sweep --activations wide --folds 2 --positions 0-1 --max-iterations 5 --no-control --device cpu --out fits")).AssertSucceeded();
    }

    [Fact]
    public async Task AHugeMappedActivationFile_IsRefusedBeforeItsLayersAreRead()
    {
        using var data = new ProbeTestData();
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!probe-sweep --activations {data.Activations} --labels {data.Labels} --folds 3 --device cpu --out earlier")).AssertSucceeded();
        // (N=100000, L=1, P=256, D=1024) float32: a 105 GB file, sparse on disk, memory-mapped by the loader.
        const long n = 100_000, p = 256, d = 1024;
        var big = Path.Combine(data.Folder, "huge.npy");
        WriteSparseNpy(big, n, 1, p, d);
        var labels = Path.Combine(data.Folder, "huge_labels.npy");
        NpyFile.Write(labels, ArrayDType.Int64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(Enumerable.Range(0, (int)n).Select(i => (long)(i % 2)).ToArray().AsSpan()), n);

        var (result, elapsed) = await kernel.TimedAsync($"#!probe-sweep --activations {big} --labels {labels} --folds 2 --device cpu --out sweep");

        result.AssertCleanFailure("#!probe-sweep:", "need about", "available (", "one layer's features", "Lower --positions or --bins");
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"the refusal took {elapsed}");
        await kernel.AssertAliveAsync(("earlier", typeof(ProbeSweepResult)));
    }

    [Fact]
    public async Task DisposedNullAndDirectoryInputs_GetTheirOwnMessages_AndTheKernelKeepsEarlierResults()
    {
        using var data = new ProbeTestData();
        using var kernel = await KernelTestHost.CreateAsync();
        (await kernel.SubmitAsync($"#!probe-sweep --activations {data.Activations} --labels {data.Labels} --folds 3 --device cpu --out earlier")).AssertSucceeded();
        (await kernel.SubmitAsync($"""
            var kept = LatentLab.Activations.ActivationSet.Load(@"{data.Activations}", labels: @"{data.Labels}");
            var gone = LatentLab.Activations.ActivationSet.Load(@"{data.Activations}", labels: @"{data.Labels}");
            gone.Dispose();
            LatentLab.Activations.ActivationSet nothing = null;
            """)).AssertSucceeded();
        // A folder whose name is also a valid variable name, in the current directory (where relative paths resolve).
        var identifierDir = Path.Combine(Environment.CurrentDirectory, "hostileActsFolder" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(identifierDir);
        try
        {
            var cases = new (string Line, string[] Expect)[]
            {
                ("--activations gone", ["--activations gone", "has been disposed", "#!cot-synthetic --out gone"]),
                ("--activations nothing", ["--activations nothing", "holds null"]),
                ($"--activations {data.Folder}", ["is a folder", "give a file"]),
                ($"--activations {Path.GetFileName(identifierDir)}", ["is a directory, give a file"]),
                ($"--activations {data.Activations} --labels {data.Folder}", [data.Folder, "give a file"]),
                ($"--activations {data.Activations} --labels {data.Labels} --groups {data.Folder}", [data.Folder, "give a file"]),
            };
            foreach (var (line, expect) in cases)
            {
                var result = await kernel.SubmitAsync($"#!probe-sweep {line} --folds 2 --device cpu --out sweep");
                result.AssertCase(line, expect);
                await kernel.AssertAliveAsync(("earlier", typeof(ProbeSweepResult)), ("kept", typeof(ActivationSet)));
            }

            // A plain C# call with the disposed set: LatentLab's own exception, saying what to do.
            var call = await kernel.SubmitAsync("LatentLab.Probes.ProbeSweep.Run(gone, new LatentLab.Probes.ProbeSweepOptions { Folds = 2 }, TorchSharp.torch.CPU)");
            Assert.Contains("has been disposed", call.Failure()?.Message ?? "");
            await kernel.AssertAliveAsync(("earlier", typeof(ProbeSweepResult)), ("kept", typeof(ActivationSet)));
        }
        finally
        {
            Directory.Delete(identifierDir);
        }
    }

    [Fact]
    public async Task Load_RemovesTheStalePartialFileOfAKilledWrite_ButKeepsOneStillBeingWritten()
    {
        using var data = new ProbeTestData();
        using var kernel = await KernelTestHost.CreateAsync();
        var stale = data.Activations + ".partial";
        File.WriteAllBytes(stale, new byte[1 << 16]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-5));           // the writer was killed five minutes ago
        var labelsPartial = data.Labels + ".partial";
        using (var writer = new FileStream(labelsPartial, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            File.SetLastWriteTimeUtc(labelsPartial, DateTime.UtcNow.AddMinutes(-5));
            (await kernel.SubmitAsync($"#!probe-sweep --activations {data.Activations} --labels {data.Labels} --folds 3 --device cpu --out sweep")).AssertSucceeded();

            Assert.False(File.Exists(stale), "the killed write's .partial is still there");
            Assert.True(File.Exists(labelsPartial), "a .partial still being written was deleted");
        }
        await kernel.AssertAliveAsync(("sweep", typeof(ProbeSweepResult)));
    }

    /// <summary>A valid .npy header for float32 (n, l, p, d) and a file extended to its full length without writing the data (sparse).</summary>
    static void WriteSparseNpy(string path, long n, long l, long p, long d)
    {
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({n}, {l}, {p}, {d}), }}";
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = dict + new string(' ', padded - total) + "\n";
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        fs.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        fs.Write(BitConverter.GetBytes((ushort)header.Length));
        fs.Write(Encoding.ASCII.GetBytes(header));
        fs.SetLength(fs.Position + n * l * p * d * 4);
    }
}
