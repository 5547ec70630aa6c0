using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Tests.Probes;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Tests.Activations;

/// <summary>
/// Activations streamed to disk one question or one layer at a time load back as the same numbers (float16 by default:
/// exactly the float16 rounding of what was written), and FromTensor reads a tensor without copying it.
/// </summary>
public class ActivationWriterTests
{
    const int N = 6, L = 3, P = 4, D = 5;
    static readonly int[] Labels6 = [0, 1, 1, 0, 1, 0];

    /// <summary>LatentLab loads TorchSharp's natives (any torch call before that fails on this machine's libstdc++).</summary>
    public ActivationWriterTests() => TorchRuntime.EnsureInitialized();

    static torch.Tensor Hidden()                                                   // (N, L, P, D) float32
    {
        TorchRuntime.EnsureInitialized();
        var g = new torch.Generator(11, torch.CPU);
        return torch.randn([N, L, P, D], generator: g) * 7;
    }

    /// <summary>Every layer of <paramref name="set"/> equals layer l of <paramref name="expected"/> (N, L, P, D) bit for bit.</summary>
    static void AssertSameLayers(ActivationSet set, torch.Tensor expected)
    {
        Assert.Equal((N, L, P, D), (set.Count, set.Layers, set.Positions, set.Dim));
        for (int l = 0; l < L; l++)
        {
            using var got = set.ReadLayer(l);                                      // (N, P, D) float32
            using var want = expected.select(1, l).to(torch.float32);
            Assert.Equal(want.contiguous().data<float>().ToArray(), got.data<float>().ToArray());
        }
    }

    [Fact]
    public void Npy_QuestionByQuestion_Float16ByDefault_LoadsAsTheFloat16RoundingOfTheInput()
    {
        using var tmp = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var hidden = Hidden();
        using (var w = ActivationWriter.CreateNpy(tmp.File("acts.npy"), L, P, D))
        {
            for (int q = 0; q < N; q++) w.AppendQuestion(hidden[q]);           // (L, P, D) float32 -> float16 on disk
            Assert.Equal(N, w.QuestionsWritten);
            w.Complete();
        }
        File.WriteAllLines(tmp.File("labels.txt"), Labels6.Select(x => x.ToString()));
        Assert.Equal(ArrayDType.Float16, NpyFile.ReadHeader(tmp.File("acts.npy")).DType);
        Assert.Equal(NpyFile.ReadHeader(tmp.File("acts.npy")).DataOffset + (long)N * L * P * D * 2, new FileInfo(tmp.File("acts.npy")).Length);
        using var set = ActivationSet.Load(tmp.File("acts.npy"), tmp.File("labels.txt"));
        AssertSameLayers(set, hidden.to(torch.float16));
    }

    [Fact]
    public void Safetensors_ByQuestionBatchesOrByLayer_GiveTheSameFile_WithLabels()
    {
        using var tmp = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var hidden = Hidden();
        using (var w = ActivationWriter.CreateSafetensors(tmp.File("q.safetensors"), N, L, P, D, ArrayDType.BFloat16))
        {
            w.AppendQuestion(hidden[torch.TensorIndex.Slice(0, 4)]);            // (4, L, P, D)
            w.AppendQuestion(hidden[4]);                                         // (L, P, D)
            w.AppendQuestion(hidden[5].to(torch.float64));                       // any float type
            w.SetLabels(Labels6);
            w.Complete();
        }
        using (var w = ActivationWriter.CreateSafetensors(tmp.File("l.safetensors"), N, L, P, D, ArrayDType.BFloat16))
        {
            w.SetLabels(Labels6);
            for (int l = L - 1; l >= 0; l--)
            {
                w.AppendLayer(l, hidden[torch.TensorIndex.Slice(0, 2), l]);       // (2, P, D)
                w.AppendLayer(l, hidden[torch.TensorIndex.Slice(2, N), l]);       // (4, P, D)
            }
            w.Complete();
        }
        Assert.Equal(File.ReadAllBytes(tmp.File("q.safetensors")), File.ReadAllBytes(tmp.File("l.safetensors")));
        using var set = ActivationSet.Load(tmp.File("l.safetensors"));          // labels from the file itself
        Assert.Equal(Labels6, set.Labels);
        AssertSameLayers(set, hidden.to(torch.bfloat16));
    }

    [Fact]
    public void Float16Overflow_NaN_WrongShapes_AndMissingLabels_AreRefusedWithTheFix()
    {
        using var tmp = new TempFolder();
        using var scope = torch.NewDisposeScope();
        using (var w = ActivationWriter.CreateNpy(tmp.File("acts.npy"), L, P, D, questions: 2))
        {
            var big = torch.full([L, P, D], 1e6f);
            Assert.Contains("beyond the range of float16", Assert.Throws<ArgumentException>(() => w.AppendQuestion(big)).Message);
            Assert.Contains("ArrayDType.BFloat16", Assert.Throws<ArgumentException>(() => w.AppendQuestion(big)).Message);
            Assert.Contains("hold NaN or Inf", Assert.Throws<ArgumentException>(() => w.AppendQuestion(torch.full([L, P, D], float.NaN))).Message);
            Assert.Contains("expected (L=3, P=4, D=5)", Assert.Throws<ArgumentException>(() => w.AppendQuestion(torch.zeros(L, D, P))).Message);
            Assert.Contains("one layer at a time use CreateSafetensors", Assert.Throws<InvalidOperationException>(() => w.AppendLayer(0, torch.zeros(1, P, D))).Message);
            w.AppendQuestion(new float[L * P * D]);
            Assert.Contains("1 rows written of the 2 declared", Assert.Throws<ArrayFileException>(w.Complete).Message);
        }
        Assert.False(File.Exists(tmp.File("acts.npy")));
        using (var w = ActivationWriter.CreateSafetensors(tmp.File("acts.safetensors"), 1, L, P, D))
        {
            w.AppendQuestion(torch.zeros(L, P, D));
            Assert.Contains("labels were never set; call SetLabels", Assert.Throws<ArrayFileException>(w.Complete).Message);
        }
        Assert.False(File.Exists(tmp.File("acts.safetensors")));
        Assert.Contains("numpy has no bfloat16", Assert.Throws<ArgumentException>(() => ActivationWriter.CreateNpy(tmp.File("b.npy"), L, P, D, dtype: ArrayDType.BFloat16)).Message);
        Assert.Contains("does not end in .safetensors", Assert.Throws<ArgumentException>(() => ActivationWriter.CreateSafetensors(tmp.File("b.npy"), N, L, P, D)).Message);
    }

    [Fact]
    public void FromTensor_OfACpuFloat16Tensor_SharesItsMemory_AndReadsFloat32Layers()
    {
        using var scope = torch.NewDisposeScope();
        var half = Hidden().to(torch.float16);                                     // (N, L, P, D) float16
        using var set = ActivationSet.FromTensor(half, Labels6);
        AssertSameLayers(set, half);
        half.add_(1);                                                              // documented: the set shares the memory (no copy was made)
        AssertSameLayers(set, half);
        half.Dispose();                                                            // the caller's handle goes; the set's memory stays
        using var layer = set.ReadLayer(0);
        Assert.Equal(torch.ScalarType.Float32, layer.dtype);
    }

    [Fact]
    public void FromTensor_OfADisposedTensor_SaysSo()
    {
        TorchRuntime.EnsureInitialized();
        var t = torch.zeros(N, L, P, D);
        t.Dispose();
        var e = Assert.Throws<ActivationFileException>(() => ActivationSet.FromTensor(t, Labels6));
        Assert.Contains("has been disposed", e.Message);
    }

    [Fact]
    public void ReadingADisposedSet_SaysItWasDisposedAndWhatToDo()
    {
        var set = ActivationSet.FromArray(new float[N * L * P * D], N, L, P, D, Labels6);
        set.Dispose();
        set.Dispose();                                                             // twice is harmless
        Assert.True(set.IsDisposed);
        var e = Assert.Throws<ActivationFileException>(() => set.ReadLayer(0));
        Assert.Contains("has been disposed", e.Message);
        Assert.Contains("Load it again", e.Message);
        var sweep = Assert.Throws<ActivationFileException>(() => LatentLab.Probes.ProbeSweep.Run(set, new LatentLab.Probes.ProbeSweepOptions { Folds = 2 }, torch.CPU));
        Assert.Contains("has been disposed", sweep.Message);
    }

    [Fact]
    public void Load_OfANullOrEmptyPath_SaysWhatItNeeds()
    {
        Assert.Contains("needs the path of a .npy, .npz or .safetensors file", Assert.Throws<ArgumentException>(() => ActivationSet.Load(null!)).Message);
        Assert.Contains("got an empty string", Assert.Throws<ArgumentException>(() => ActivationSet.Load(" ")).Message);
    }
}
