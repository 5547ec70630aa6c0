using System.Runtime.InteropServices;
using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Tests.Probes;
using LatentLab.Torch;

namespace LatentLab.Tests.Formats;

/// <summary>
/// The streaming writers append a piece at a time and produce exactly the bytes the whole-array writers produce (and
/// the readers read back bit for bit); misuse and interruption leave nothing half-written at the path.
/// </summary>
public class StreamingWriterTests
{
    const int N = 5, L = 3, P = 4, D = 6;

    static float[] Values(int count, int seed = 7)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
    }

    static byte[] DataOf(string npyPath)
    {
        var h = NpyFile.ReadHeader(npyPath);
        return File.ReadAllBytes(npyPath)[(int)h.DataOffset..];
    }

    [Theory]
    [InlineData(null)]
    [InlineData(5L)]
    public void Npy_AppendedQuestionByQuestion_ReadsBackBitIdentical(long? declared)
    {
        using var tmp = new TempFolder();
        var a = Values(N * L * P * D);
        using (var w = NpyWriter.Create(tmp.File("acts.npy"), ArrayDType.Float32, [L, P, D], declared))
        {
            for (int q = 0; q < N; q++)
            {
                var row = a.AsSpan(q * L * P * D, L * P * D);
                w.Append<float>(row[..7]);                 // a row may arrive in pieces
                w.Append<float>(row[7..]);
                Assert.Equal(q + 1, w.RowsWritten);
            }
            Assert.False(File.Exists(tmp.File("acts.npy")), "nothing at the path before Complete");
            w.Complete();
        }
        var h = NpyFile.ReadHeader(tmp.File("acts.npy"));
        Assert.Equal(ArrayDType.Float32, h.DType);
        Assert.Equal(new long[] { N, L, P, D }, h.Shape);
        Assert.Equal(0, h.DataOffset % 64);
        Assert.Equal(PlantedData.Bytes(a), DataOf(tmp.File("acts.npy")));
        NpyFile.Write(tmp.File("whole.npy"), a, N, L, P, D);
        Assert.Equal(DataOf(tmp.File("whole.npy")), DataOf(tmp.File("acts.npy")));
        Assert.False(File.Exists(tmp.File("acts.npy.partial")));
    }

    [Fact]
    public void Npy_CountedRows_HeaderHasTheFinalCount_EvenPastNineDigits()
    {
        using var tmp = new TempFolder();
        // 1-D int64: the header is rewritten in place with whatever count came; the reserved room fits 19 digits.
        using (var w = NpyWriter.Create(tmp.File("ids.npy"), ArrayDType.Int64, []))
        {
            for (long i = 0; i < 1000; i++) w.Append<long>([i * 3]);
            w.Complete();
        }
        var h = NpyFile.ReadHeader(tmp.File("ids.npy"));
        Assert.Equal(new long[] { 1000 }, h.Shape);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i * 3).ToArray(), MemoryMarshal.Cast<byte, long>(DataOf(tmp.File("ids.npy"))).ToArray());
        var reserved = NpyFile.HeaderBytes(ArrayDType.Int64, [long.MaxValue]).Length;
        Assert.Equal(reserved, h.DataOffset);
    }

    [Fact]
    public void Npy_Misuse_IsRefusedAndLeavesThePreviousFile()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("acts.npy");
        File.WriteAllText(path, "previous");
        using (var w = NpyWriter.Create(path, ArrayDType.Float16, [P, D], rows: 2))
        {
            w.Append<Half>(new Half[P * D]);
            Assert.Contains("Single values cannot be appended to a float16 array", Assert.Throws<ArgumentException>(() => w.Append<float>(new float[3])).Message);
            Assert.Contains("more than the 2 declared rows", Assert.Throws<ArgumentException>(() => w.Append<Half>(new Half[2 * P * D])).Message);
            var e = Assert.Throws<ArrayFileException>(w.Complete);
            Assert.Contains("1 rows written of the 2 declared", e.Message);
        }
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".partial"));

        using (var w = NpyWriter.Create(path, ArrayDType.Float32, [P, D]))
        {
            w.Append<float>(new float[P * D + 1]);
            Assert.Contains("not a whole number of rows", Assert.Throws<ArrayFileException>(w.Complete).Message);
        }
        using (var w = NpyWriter.Create(path, ArrayDType.Float32, [P, D]))
            w.Append<float>(new float[P * D]);         // disposed without Complete: an interrupted producer
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".partial"));
        Assert.Contains("numpy has no bfloat16", Assert.Throws<ArgumentException>(() => NpyWriter.Create(path, ArrayDType.BFloat16, [D])).Message);
        Assert.Contains("is a folder", Assert.Throws<ArgumentException>(() => NpyWriter.Create(tmp.Path, ArrayDType.Float32, [D])).Message);
    }

    /// <summary>One (N, P, D) tensor per layer; question q of layer l is a[(q * L + l) * P * D ..].</summary>
    static List<TensorSpec> LayerSpecs(ArrayDType dtype) =>
        Enumerable.Range(0, L).Select(l => new TensorSpec($"layer_{l}", dtype, [N, P, D])).Append(new TensorSpec("labels", ArrayDType.Int64, [N])).ToList();

    static byte[] LayerBytes(float[] a, int l) =>
        PlantedData.Bytes(Enumerable.Range(0, N).SelectMany(q => a.Skip((q * L + l) * P * D).Take(P * D)).ToArray());

    [Fact]
    public void Safetensors_QuestionByQuestionOrLayerByLayer_GivesTheWholeWritersBytes()
    {
        using var tmp = new TempFolder();
        var a = Values(N * L * P * D);
        long[] labels = [0, 1, 1, 0, 1];
        var whole = LayerSpecs(ArrayDType.Float32).Select(s => (s.Name, s.DType, s.Shape,
            s.Name == "labels" ? MemoryMarshal.AsBytes(labels.AsSpan()).ToArray() : LayerBytes(a, int.Parse(s.Name[6..])))).ToList();
        SafetensorsFile.Write(tmp.File("whole.safetensors"), whole);

        using (var w = SafetensorsWriter.Create(tmp.File("by-question.safetensors"), LayerSpecs(ArrayDType.Float32)))
        {
            for (int q = 0; q < N; q++)
                for (int l = 0; l < L; l++)
                    w.Append<float>($"layer_{l}", a.AsSpan((q * L + l) * P * D, P * D));  // positions land in L different tensors
            w.Append<long>("labels", labels);
            w.Complete();
        }
        using (var w = SafetensorsWriter.Create(tmp.File("by-layer.safetensors"), LayerSpecs(ArrayDType.Float32)))
        {
            w.Append<long>("labels", labels);
            for (int l = L - 1; l >= 0; l--) w.Append($"layer_{l}", LayerBytes(a, l));
            w.Complete();
        }
        var expected = File.ReadAllBytes(tmp.File("whole.safetensors"));
        Assert.Equal(expected, File.ReadAllBytes(tmp.File("by-question.safetensors")));
        Assert.Equal(expected, File.ReadAllBytes(tmp.File("by-layer.safetensors")));
        var read = SafetensorsFile.ReadHeader(tmp.File("by-layer.safetensors"));
        Assert.Equal(["layer_0", "layer_1", "layer_2", "labels"], read.Select(t => t.Name));
        Assert.Equal(LayerBytes(a, 1), expected.AsSpan((int)read[1].Offset, (int)read[1].Bytes).ToArray());
    }

    [Fact]
    public void Safetensors_Misuse_IsRefusedAndLeavesNothing()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("acts.safetensors");
        using (var w = SafetensorsWriter.Create(path, LayerSpecs(ArrayDType.BFloat16)))
        {
            Assert.Contains("no tensor 'layer_9' was declared", Assert.Throws<ArgumentException>(() => w.Append("layer_9", new byte[2])).Message);
            Assert.Contains("which holds 40 bytes", Assert.Throws<ArgumentException>(() => w.Append<long>("labels", new long[N + 1])).Message);
            Assert.Contains("cannot be appended to tensor 'layer_0' of dtype bfloat16", Assert.Throws<ArgumentException>(() => w.Append<float>("layer_0", new float[1])).Message);
            w.Append<ushort>("layer_0", new ushort[N * P * D]);
            var e = Assert.Throws<ArrayFileException>(w.Complete);
            Assert.Contains("3 of 4 tensors are incomplete ('layer_1' 0 of 240 bytes", e.Message);
        }
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".partial"));
        Assert.Contains("given twice", Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Create(path, [new TensorSpec("a", ArrayDType.Float32, [1]), new TensorSpec("a", ArrayDType.Float32, [1])])).Message);
    }

    [Fact]
    public void Overwriting_AFileALoadedSetStillMaps_LeavesTheSetReadingTheOldNumbers()
    {
        TorchRuntime.EnsureInitialized();
        using var tmp = new TempFolder();
        var path = tmp.File("acts.npy");
        var old = Values(N * L * P * D);
        NpyFile.Write(path, old, N, L, P, D);
        File.WriteAllLines(tmp.File("labels.txt"), ["0", "1", "0", "1", "1"]);
        using var set = ActivationSet.Load(path, tmp.File("labels.txt"));        // memory-mapped
        using var before = set.ReadLayer(2);
        // Re-exporting to the same path (a re-run cell) must not truncate the mapped file: that would end the process (SIGBUS).
        NpyFile.Write(path, new float[2 * D], 2, D);
        using (var w = NpyWriter.Create(path, ArrayDType.Float32, [D])) { w.Append<float>(new float[D]); w.Complete(); }
        SafetensorsFile.Write(path, [("x", ArrayDType.Float32, [1], new byte[4])]);
        using var after = set.ReadLayer(2);
        Assert.Equal(before.data<float>().ToArray(), after.data<float>().ToArray());
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void TruncatingAMappedFileInPlace_IsReportedInsteadOfEndingTheProcess()
    {
        TorchRuntime.EnsureInitialized();
        using var tmp = new TempFolder();
        var path = tmp.File("acts.npy");
        NpyFile.Write(path, Values(N * L * P * D), N, L, P, D);
        File.WriteAllLines(tmp.File("labels.txt"), ["0", "1", "0", "1", "1"]);
        using var set = ActivationSet.Load(path, tmp.File("labels.txt"));
        File.WriteAllBytes(path, new byte[128]);                                 // what numpy.save over the same path does
        var e = Assert.Throws<ActivationFileException>(() => set.ReadLayer(0));
        Assert.Contains("acts.npy: the file was cut to 128 bytes after it was loaded", e.Message);
        Assert.Contains("Load it again", e.Message);
    }
}
