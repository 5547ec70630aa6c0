using System.IO.Compression;
using System.Text;
using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Probes;
using LatentLab.Tests.Probes;
using LatentLab.Torch;

namespace LatentLab.Tests.Activations;

public class ActivationLoaderTests
{
    const int N = 6, L = 2, P = 3, D = 4;
    static readonly int[] Labels6 = [0, 1, 0, 1, 1, 0];

    static float[] Ramp() => Enumerable.Range(0, N * L * P * D).Select(i => i * 0.25f - 3f).ToArray();

    /// <summary>Value at (n, l, p, d) of a row-major (N, L, P, D) array.</summary>
    static float At(float[] a, int n, int l, int p, int d) => a[((n * L + l) * P + p) * D + d];

    static void AssertLayersMatch(ActivationSet set, float[] expected, float tolerance = 0f)
    {
        Assert.Equal((N, L, P, D), (set.Count, set.Layers, set.Positions, set.Dim));
        for (int l = 0; l < L; l++)
        {
            using var t = set.ReadLayer(l);
            Assert.Equal(new long[] { N, P, D }, t.shape);
            var got = t.data<float>().ToArray();
            for (int n = 0; n < N; n++)
                for (int p = 0; p < P; p++)
                    for (int d = 0; d < D; d++)
                        Assert.True(Math.Abs(got[(n * P + p) * D + d] - At(expected, n, l, p, d)) <= tolerance + 1e-6,
                            $"layer {l} ({n},{p},{d}): {got[(n * P + p) * D + d]} vs {At(expected, n, l, p, d)}");
        }
    }

    static byte[] NpyBytes(ArrayDType dtype, byte[] data, long[] shape, int version = 1)
    {
        using var ms = new MemoryStream();
        ms.Write(NpyFile.HeaderBytes(dtype, shape, version));
        ms.Write(data);
        return ms.ToArray();
    }

    static byte[] RawNpy(string dict, byte[] data, int version = 1)
    {
        var header = Encoding.Latin1.GetBytes(dict.PadRight(118 - (version == 1 ? 0 : 2)) + "\n");
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        if (version == 1) ms.Write(BitConverter.GetBytes((ushort)header.Length)); else ms.Write(BitConverter.GetBytes((uint)header.Length));
        ms.Write(header);
        ms.Write(data);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Npy_Float32_AnyVersion_ReadsEveryLayerExactly(int version)
    {
        using var tmp = new TempFolder();
        var a = Ramp();
        File.WriteAllBytes(tmp.File("acts.npy"), NpyBytes(ArrayDType.Float32, PlantedData.Bytes(a), [N, L, P, D], version));
        File.WriteAllLines(tmp.File("labels.txt"), Labels6.Select(x => x.ToString()));
        using var set = ActivationSet.Load(tmp.File("acts.npy"), tmp.File("labels.txt"));
        AssertLayersMatch(set, a);
        Assert.Equal(Labels6, set.Labels);
        Assert.Contains("memory-mapped", set.Source);
    }

    [Fact]
    public void Npy_Float16AndFloat64_AreConvertedToFloat32()
    {
        using var tmp = new TempFolder();
        var a = Ramp();
        NpyFile.Write(tmp.File("h.npy"), ArrayDType.Float16, PlantedData.HalfBytes(a), N, L, P, D);
        NpyFile.Write(tmp.File("d.npy"), ArrayDType.Float64, a.SelectMany(v => BitConverter.GetBytes((double)v)).ToArray(), N, L, P, D);
        NpyFile.Write(tmp.File("y.npy"), ArrayDType.Int64, PlantedData.LongBytes(Labels6), N);
        using (var h = ActivationSet.Load(tmp.File("h.npy"), tmp.File("y.npy"))) AssertLayersMatch(h, a, 0.01f);
        using (var d = ActivationSet.Load(tmp.File("d.npy"), tmp.File("y.npy"))) AssertLayersMatch(d, a);
    }

    [Fact]
    public void Npz_StoredAndDeflated_OneArrayPerLayer_WithLabelsInside()
    {
        using var tmp = new TempFolder();
        var a = Ramp();
        foreach (var level in new[] { CompressionLevel.NoCompression, CompressionLevel.Optimal })
        {
            var path = tmp.File($"acts-{level}.npz");
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            {
                // layer_10 must sort after layer_2: natural order, not text order. Here L = 2: layer_2 then layer_10.
                string[] names = ["layer_2", "layer_10"];
                for (int l = 0; l < L; l++)
                {
                    var slice = new float[N * P * D];
                    for (int n = 0; n < N; n++) for (int p = 0; p < P; p++) for (int d = 0; d < D; d++) slice[(n * P + p) * D + d] = At(a, n, l, p, d);
                    using var s = zip.CreateEntry(names[l] + ".npy", level).Open();
                    NpyFile.WriteTo(s, ArrayDType.Float32, PlantedData.Bytes(slice), N, P, D);
                }
                using var ls = zip.CreateEntry("labels.npy", level).Open();
                NpyFile.WriteTo(ls, ArrayDType.Int64, PlantedData.LongBytes(Labels6), N);
            }
            using var set = ActivationSet.Load(path);
            AssertLayersMatch(set, a);
            Assert.Equal(Labels6, set.Labels);
        }
    }

    [Fact]
    public void Npz_SweepsExactlyLikeTheSameNpy()
    {
        // The sweep reads .npz layers straight into its own layout (ReadLayerTransposed); same numbers as from .npy.
        using var tmp = new TempFolder();
        int n = 60, l = 2, p = 4, d = 8;
        var (data, labels) = PlantedData.Make(n, l, p, d, (layer, pos) => layer == 1 && pos >= 2);
        NpyFile.Write(tmp.File("a.npy"), ArrayDType.Float32, PlantedData.Bytes(data), n, l, p, d);
        NpyFile.Write(tmp.File("y.npy"), ArrayDType.Int64, PlantedData.LongBytes(labels), n);
        using (var zip = ZipFile.Open(tmp.File("a.npz"), ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("acts.npy", CompressionLevel.Optimal).Open())
                NpyFile.WriteTo(s, ArrayDType.Float32, PlantedData.Bytes(data), n, l, p, d);
            using var ls = zip.CreateEntry("labels.npy", CompressionLevel.Optimal).Open();
            NpyFile.WriteTo(ls, ArrayDType.Int64, PlantedData.LongBytes(labels), n);
        }
        var options = new ProbeSweepOptions { Folds = 3, Threads = 1 };
        using var fromNpy = ActivationSet.Load(tmp.File("a.npy"), tmp.File("y.npy"));
        using var fromNpz = ActivationSet.Load(tmp.File("a.npz"));
        var a = ProbeSweep.Run(fromNpy, options, TorchSharp.torch.CPU);
        var b = ProbeSweep.Run(fromNpz, options, TorchSharp.torch.CPU);
        Assert.Equal(a.Cells.Select(c => (c.Layer, c.Position, c.Correct, c.ControlAccuracy)), b.Cells.Select(c => (c.Layer, c.Position, c.Correct, c.ControlAccuracy)));
        Assert.True(a.Cell(1, 3)!.Accuracy > 0.9 && a.Cell(0, 3)!.Accuracy < 0.8, $"planted cell {a.Cell(1, 3)!.Accuracy}, plain {a.Cell(0, 3)!.Accuracy}");
    }

    [Fact]
    public void Safetensors_F32_F16_BF16_PerLayerTensors_Stacked()
    {
        using var tmp = new TempFolder();
        var a = Ramp();
        foreach (var (dtype, tol) in new[] { (ArrayDType.Float32, 0f), (ArrayDType.Float16, 0.01f), (ArrayDType.BFloat16, 0.07f) })
        {
            var tensors = new List<(string, ArrayDType, long[], byte[])>();
            for (int l = 0; l < L; l++)
            {
                var slice = new float[N * P * D];
                for (int n = 0; n < N; n++) for (int p = 0; p < P; p++) for (int d = 0; d < D; d++) slice[(n * P + p) * D + d] = At(a, n, l, p, d);
                var bytes = dtype switch { ArrayDType.Float16 => PlantedData.HalfBytes(slice), ArrayDType.BFloat16 => PlantedData.BFloat16Bytes(slice), _ => PlantedData.Bytes(slice) };
                tensors.Add(($"model.layers.{l}.residual", dtype, [N, P, D], bytes));
            }
            tensors.Add(("labels", ArrayDType.Int64, [N], PlantedData.LongBytes(Labels6)));
            var path = tmp.File($"acts-{dtype}.safetensors");
            SafetensorsFile.Write(path, tensors);
            using var set = ActivationSet.Load(path);
            AssertLayersMatch(set, a, tol);
            Assert.Equal(Labels6, set.Labels);
        }
    }

    [Fact]
    public void Labels_FromCsvAndJsonl_StringsBecomeSortedClasses_AndBaselineColumnsFollowThem()
    {
        using var tmp = new TempFolder();
        var a = Ramp();
        NpyFile.Write(tmp.File("acts.npy"), a, N, L, P, D);
        string[] letters = ["B", "A", "B", "A", "A", "B"];
        File.WriteAllLines(tmp.File("answers.csv"), new[] { "id,answer,label" }.Concat(letters.Select((x, i) => $"{i},{x},{x}")));
        File.WriteAllLines(tmp.File("answers.jsonl"), letters.Select(x => $"{{\"label\": \"{x}\", \"q\": 1}}"));
        var scores = new float[N * P * 2]; // (N, P, C): column 0 = "A", 1 = "B"; position 2 says the label, others say A
        for (int n = 0; n < N; n++) for (int p = 0; p < P; p++) scores[(n * P + p) * 2 + (p == 2 && letters[n] == "B" ? 1 : 0)] = 1f;
        NpyFile.Write(tmp.File("baseline.npy"), scores, N, P, 2);
        foreach (var labels in new[] { "answers.csv", "answers.jsonl" })
        {
            using var set = ActivationSet.Load(tmp.File("acts.npy"), tmp.File(labels), baseline: tmp.File("baseline.npy"));
            Assert.Equal(new[] { "A", "B" }, set.ClassNames);
            Assert.Equal(new[] { 1, 0, 1, 0, 0, 1 }, set.Labels);
            Assert.NotNull(set.BaselineScores);
        }
    }

    // ---- every malformed input: the message names the file, the problem and what was expected ----

    /// <summary>Loading fails with a LatentLab file error: <see cref="ArrayFileException"/> for the format, its subtype <see cref="ActivationFileException"/> for the activations' content.</summary>
    static ArrayFileException LoadFails(TempFolder tmp, string acts, string? labels = "labels.txt", string? groups = null, string? baseline = null)
    {
        if (labels == "labels.txt" && !File.Exists(tmp.File("labels.txt"))) File.WriteAllLines(tmp.File("labels.txt"), Labels6.Select(x => x.ToString()));
        return Assert.ThrowsAny<ArrayFileException>(() =>
            ActivationSet.Load(tmp.File(acts), labels is null ? null : tmp.File(labels), groups is null ? null : tmp.File(groups), baseline is null ? null : tmp.File(baseline)).Dispose());
    }

    [Fact]
    public void Npy_Truncated_SaysHowManyBytesWereExpected()
    {
        using var tmp = new TempFolder();
        var bytes = NpyBytes(ArrayDType.Float32, PlantedData.Bytes(Ramp()), [N, L, P, D]);
        File.WriteAllBytes(tmp.File("cut.npy"), bytes[..^10]);
        var e = LoadFails(tmp, "cut.npy");
        Assert.Contains("cut.npy", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains($"{N * L * P * D * 4} data bytes", e.Message);
    }

    [Fact]
    public void Npy_FortranOrder_IsRejectedWithTheFix()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("f.npy"), RawNpy($"{{'descr': '<f4', 'fortran_order': True, 'shape': ({N}, {L}, {P}, {D}), }}", PlantedData.Bytes(Ramp())));
        var e = LoadFails(tmp, "f.npy");
        Assert.Contains("f.npy", e.Message);
        Assert.Contains("Fortran", e.Message);
        Assert.Contains("ascontiguousarray", e.Message);
    }

    [Fact]
    public void Npy_BadMagicOrHeader_AreNamed()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("text.npy"), Encoding.ASCII.GetBytes("this is not numpy at all, just text"));
        Assert.Contains("magic", LoadFails(tmp, "text.npy").Message);
        File.WriteAllBytes(tmp.File("noshape.npy"), RawNpy("{'descr': '<f4', 'fortran_order': False, }", new byte[16]));
        var e = LoadFails(tmp, "noshape.npy");
        Assert.Contains("noshape.npy", e.Message);
        Assert.Contains("bad .npy header", e.Message);
        Assert.Contains("'shape'", e.Message);
    }

    [Fact]
    public void Npy_UnsupportedDtype_NamesItAndTheSupportedOnes()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("c.npy"), RawNpy($"{{'descr': '<c8', 'fortran_order': False, 'shape': ({N}, {L}, {P}, {D}), }}", new byte[N * L * P * D * 8]));
        var e = LoadFails(tmp, "c.npy");
        Assert.Contains("unsupported dtype '<c8'", e.Message);
        Assert.Contains("float16, float32 or float64", e.Message);
        NpyFile.Write(tmp.File("ints.npy"), ArrayDType.Int32, new byte[N * L * P * D * 4], N, L, P, D);
        Assert.Contains("expected floating-point activations", LoadFails(tmp, "ints.npy").Message);
    }

    [Fact]
    public void Npy_WrongRank_SaysTheExpectedShape()
    {
        using var tmp = new TempFolder();
        NpyFile.Write(tmp.File("flat.npy"), new float[N * D], N, D);
        var e = LoadFails(tmp, "flat.npy");
        Assert.Contains("shape (6, 4)", e.Message);
        Assert.Contains("(N, L, P, D)", e.Message);
    }

    [Fact]
    public void LabelCountMismatch_NamesBothCounts()
    {
        using var tmp = new TempFolder();
        NpyFile.Write(tmp.File("acts.npy"), Ramp(), N, L, P, D);
        File.WriteAllLines(tmp.File("short.txt"), ["0", "1", "0"]);
        var e = LoadFails(tmp, "acts.npy", "short.txt");
        Assert.Contains("short.txt", e.Message);
        Assert.Contains("3 labels for 6 questions", e.Message);
    }

    [Fact]
    public void SingleClass_LoadsButTheProbeSweepRefusesIt_NamingTheLabelsFile()
    {
        // A partly trained or interrupted model often answers one letter throughout: its activations are still a result
        // (bound, not thrown away); only fitting a probe on them is impossible, and the sweep says so.
        using var tmp = new TempFolder();
        NpyFile.Write(tmp.File("acts.npy"), Ramp(), N, L, P, D);
        File.WriteAllLines(tmp.File("same.txt"), Enumerable.Repeat("A", N));
        using var set = ActivationSet.Load(tmp.File("acts.npy"), tmp.File("same.txt"));
        Assert.Equal(1, set.ClassCount);
        Assert.Contains("same label 'A'", set.SingleClassNote);
        var e = Assert.Throws<ActivationFileException>(() => ProbeSweep.Run(set, new ProbeSweepOptions { Folds = 2 }, TorchSharp.torch.CPU));
        Assert.Contains("same.txt", e.Message);
        Assert.Contains("same label 'A'", e.Message);
        Assert.Contains("at least 2 classes", e.Message);
    }

    [Fact]
    public void TwoClasses_HaveNoSingleClassNote()
    {
        using var tmp = new TempFolder();
        NpyFile.Write(tmp.File("acts.npy"), Ramp(), N, L, P, D);
        File.WriteAllLines(tmp.File("labels.txt"), Labels6.Select(x => x.ToString()));
        using var set = ActivationSet.Load(tmp.File("acts.npy"), tmp.File("labels.txt"));
        Assert.Null(set.SingleClassNote);
        set.ThrowIfSingleClass();
    }

    [Fact]
    public void NaNOrInf_IsReportedWithItsPlace_WhenTheLayerIsRead()
    {
        using var tmp = new TempFolder();
        var a = Ramp();
        a[((4 * L + 1) * P + 2) * D + 3] = float.PositiveInfinity; // question 4, layer 1, position 2, dim 3
        NpyFile.Write(tmp.File("inf.npy"), a, N, L, P, D);
        File.WriteAllLines(tmp.File("labels.txt"), Labels6.Select(x => x.ToString()));
        using var set = ActivationSet.Load(tmp.File("inf.npy"), tmp.File("labels.txt"));
        set.ReadLayer(0).Dispose();
        var e = Assert.Throws<ActivationFileException>(() => set.ReadLayer(1));
        Assert.Contains("inf.npy", e.Message);
        Assert.Contains("layer 1", e.Message);
        Assert.Contains("question 4, position 2, dim 3", e.Message);
        Assert.Contains("expected finite", e.Message);
    }

    [Fact]
    public void Safetensors_Malformed_TruncatedBadHeaderUnsupportedDtype()
    {
        using var tmp = new TempFolder();
        var slice = new float[N * P * D];
        SafetensorsFile.Write(tmp.File("ok.safetensors"), [("l0", ArrayDType.Float32, [N, P, D], PlantedData.Bytes(slice))]);
        var whole = File.ReadAllBytes(tmp.File("ok.safetensors"));
        File.WriteAllBytes(tmp.File("cut.safetensors"), whole[..^8]);
        var e = LoadFails(tmp, "cut.safetensors");
        Assert.Contains("cut.safetensors", e.Message);
        Assert.Contains("truncated", e.Message);

        var bad = (byte[])whole.Clone();
        bad[9] = (byte)'#'; // corrupt the JSON
        File.WriteAllBytes(tmp.File("bad.safetensors"), bad);
        Assert.Contains("not valid JSON", LoadFails(tmp, "bad.safetensors").Message);

        var json = Encoding.UTF8.GetString(whole, 8, (int)BitConverter.ToUInt64(whole, 0)).Replace("\"F32\"", "\"I4X\"");
        var hb = Encoding.UTF8.GetBytes(json);
        File.WriteAllBytes(tmp.File("dtype.safetensors"), BitConverter.GetBytes((ulong)hb.Length).Concat(hb).Concat(whole[(8 + hb.Length)..]).ToArray());
        var e2 = LoadFails(tmp, "dtype.safetensors");
        Assert.Contains("unsupported dtype 'I4X'", e2.Message);
        Assert.Contains("F16, BF16 or F32", e2.Message);
    }

    [Fact]
    public void Safetensors_LayersOfDifferentShape_AreRejected()
    {
        using var tmp = new TempFolder();
        SafetensorsFile.Write(tmp.File("mixed.safetensors"), [
            ("layer0", ArrayDType.Float32, [N, P, D], new byte[N * P * D * 4]),
            ("layer1", ArrayDType.Float32, [N, P, D + 1], new byte[N * P * (D + 1) * 4])]);
        var e = LoadFails(tmp, "mixed.safetensors");
        Assert.Contains("differ in shape", e.Message);
    }

    [Fact]
    public void Npz_Truncated_IsNamed()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("a.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("acts.npy", CompressionLevel.NoCompression).Open())
            NpyFile.WriteTo(s, ArrayDType.Float32, PlantedData.Bytes(Ramp()), N, L, P, D);
        var whole = File.ReadAllBytes(path);
        File.WriteAllBytes(tmp.File("cut.npz"), whole[..(whole.Length / 2)]);
        var e = LoadFails(tmp, "cut.npz");
        Assert.Contains("cut.npz", e.Message);
    }

    [Fact]
    public void MissingLabels_GroupsOrBaselineOfWrongSize_AreNamed()
    {
        using var tmp = new TempFolder();
        NpyFile.Write(tmp.File("acts.npy"), Ramp(), N, L, P, D);
        Assert.Contains("no labels", LoadFails(tmp, "acts.npy", labels: null).Message);
        File.WriteAllLines(tmp.File("groups.csv"), ["group", "a", "b"]);
        Assert.Contains("2 group ids for 6 questions", LoadFails(tmp, "acts.npy", groups: "groups.csv").Message);
        NpyFile.Write(tmp.File("base.npy"), new float[N * (P + 1) * 2], N, P + 1, 2);
        var e = LoadFails(tmp, "acts.npy", baseline: "base.npy");
        Assert.Contains("base.npy", e.Message);
        Assert.Contains("expected (N=6, P=3, C)", e.Message);
        File.WriteAllLines(tmp.File("nolabel.jsonl"), Labels6.Select(x => $"{{\"answer\": {x}}}"));
        Assert.Contains("no 'label' key", LoadFails(tmp, "acts.npy", labels: "nolabel.jsonl").Message);
        Assert.Contains("file not found", LoadFails(tmp, "missing.npy").Message);
    }

    [Fact]
    public void Lengths_OutOfRangeOrNotWholeNumbers_AreNamed()
    {
        using var tmp = new TempFolder();
        NpyFile.Write(tmp.File("acts.npy"), Ramp(), N, L, P, D);
        File.WriteAllLines(tmp.File("labels.txt"), Labels6.Select(x => x.ToString()));
        File.WriteAllLines(tmp.File("long.txt"), ["3", "3", "4", "1", "2", "3"]);
        var e = Assert.Throws<ActivationFileException>(() => ActivationSet.Load(tmp.File("acts.npy"), tmp.File("labels.txt"), lengths: tmp.File("long.txt")));
        Assert.Contains("long.txt", e.Message);
        Assert.Contains("question 2 has length 4; expected 1 <= length <= P = 3", e.Message);
        File.WriteAllLines(tmp.File("frac.txt"), ["3", "2.5", "3", "1", "2", "3"]);
        var e2 = Assert.Throws<ActivationFileException>(() => ActivationSet.Load(tmp.File("acts.npy"), tmp.File("labels.txt"), lengths: tmp.File("frac.txt")));
        Assert.Contains("length 1 is '2.5'; expected a whole number", e2.Message);
        File.WriteAllLines(tmp.File("ok.csv"), ["length", "3", "2", "3", "1", "2", "3"]);
        using var ok = ActivationSet.Load(tmp.File("acts.npy"), tmp.File("labels.txt"), lengths: tmp.File("ok.csv"));
        Assert.Equal(new[] { 3, 2, 3, 1, 2, 3 }, ok.Lengths);
    }

    [Fact]
    public void FromArray_And_FromTensor_CheckShapes()
    {
        TorchRuntime.EnsureInitialized();
        var e = Assert.Throws<ActivationFileException>(() => ActivationSet.FromArray(new float[10], N, L, P, D, Labels6));
        Assert.Contains("10 numbers given", e.Message);
        using var t = TorchSharp.torch.zeros(N, P, D);
        Assert.Contains("expected 4 dimensions", Assert.Throws<ActivationFileException>(() => ActivationSet.FromTensor(t, Labels6)).Message);
    }
}
