using System.Text;
using LatentLab.Imitation;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Imitation;

public sealed class CheckpointTests : IDisposable
{
    static readonly Device Cpu = torch.CPU;
    readonly string _dir = Path.Combine(Path.GetTempPath(), "latentlab-ckpt-" + Guid.NewGuid().ToString("N"));
    static readonly Lazy<TrainedStudent> Student = new(() =>
    {
        TorchRuntime.EnsureInitialized();
        return BanditTrainer.Train(StudentTrainingTests.Tiny(steps: 2), Cpu);
    });

    public CheckpointTests()
    {
        TorchRuntime.EnsureInitialized();
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static float[] Outputs(TrainedStudent s)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var actions = tensor(new long[] { 0, 1, 2, 1, 0, 0, 2, 2 }).reshape(2, 4);
        var rewards = tensor(new float[] { 1, 0, 1, 1, 0, 0, 1, 0 }).reshape(2, 4);
        return s.Network.Forward(s.Network.EncodeSequence(actions, rewards)).data<float>().ToArray();
    }

    string SavedCopy()
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".llstudent");
        Student.Value.Save(path);
        return path;
    }

    [Fact]
    public void SaveThenLoad_GivesIdenticalOutputs_AndKeepsConfigAndVersions()
    {
        var path = SavedCopy();
        using var loaded = TrainedStudent.Load(path, Cpu);
        Assert.Equal(Outputs(Student.Value), Outputs(loaded));
        Assert.Equal(Student.Value.Options, loaded.Options);
        Assert.Equal(Student.Value.StepsCompleted, loaded.StepsCompleted);
        var (meta, _) = StudentCheckpoint.Read(path);
        Assert.Equal(TorchRuntime.Describe().TorchSharp, meta.TorchSharpVersion);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));   // the temp file was renamed, not left behind
    }

    [Fact]
    public void Save_OverwritesAtomically_LeavingNoTempFiles()
    {
        var path = SavedCopy();
        Student.Value.Save(path);
        Assert.Single(Directory.GetFiles(_dir));
        using var loaded = TrainedStudent.Load(path, Cpu);
        Assert.Equal(Outputs(Student.Value), Outputs(loaded));
    }

    [Fact]
    public void Load_MissingFile_SaysItDoesNotExist()
    {
        var e = Assert.Throws<CheckpointException>(() => TrainedStudent.Load(Path.Combine(_dir, "nope.llstudent"), Cpu));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Load_NotACheckpoint_SaysSo()
    {
        var path = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<CheckpointException>(() => TrainedStudent.Load(path, Cpu));
        Assert.Contains("not a LatentLab bandit-student checkpoint", e.Message);
    }

    [Fact]
    public void Load_TruncatedFile_SaysTruncated()
    {
        var path = SavedCopy();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<CheckpointException>(() => TrainedStudent.Load(path, Cpu));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Load_CorruptedByte_SaysCorrupted()
    {
        var path = SavedCopy();
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length - 100] ^= 0x5A;   // inside the weights
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => TrainedStudent.Load(path, Cpu));
        Assert.Contains("corrupted", e.Message);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void Load_FutureFormat_SaysIncompatible()
    {
        var (meta, weights) = StudentCheckpoint.Read(SavedCopy());
        var path = Path.Combine(_dir, "future.llstudent");
        StudentCheckpoint.WriteRaw(path, Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(meta, StudentCheckpoint.Json)), weights, 99);
        var e = Assert.Throws<CheckpointException>(() => TrainedStudent.Load(path, Cpu));
        Assert.Contains("incompatible", e.Message);
        Assert.Contains("format 99", e.Message);
    }

    [Fact]
    public void Load_CheckpointThatRecordsTheRemovedWarmStartOptions_LoadsWithIdenticalOutputs()
    {
        // Checkpoints written before the warm-start ablation was removed record its three options (off); they still load.
        var (meta, weights) = StudentCheckpoint.Read(SavedCopy());
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(meta, StudentCheckpoint.Json))!;
        json["Options"]!["WarmStartFraction"] = 0.0;
        json["Options"]!["PostHorizonAblation"] = false;
        json["Options"]!["WarmStartMaxPulls"] = 250;
        var path = Path.Combine(_dir, "older.llstudent");
        StudentCheckpoint.WriteRaw(path, Encoding.UTF8.GetBytes(json.ToJsonString()), weights, meta.Format);
        Assert.Contains("WarmStartFraction", Encoding.UTF8.GetString(File.ReadAllBytes(path)));
        using var loaded = TrainedStudent.Load(path, Cpu);
        Assert.Equal(Student.Value.Options, loaded.Options);
        Assert.Equal(Outputs(Student.Value), Outputs(loaded));
    }

    [Fact]
    public void Load_CheckpointFromBeforeMaxTrainArms_ReadsItAsTrainedUpToArms()
    {
        // Older files have no MaxTrainArms: they trained on K up to Arms, which is the knob's 0 whatever the default is now.
        var (meta, weights) = StudentCheckpoint.Read(SavedCopy());
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(
            meta with { Options = meta.Options with { MaxTrainArms = 7 } }, StudentCheckpoint.Json))!;
        var path = Path.Combine(_dir, "before-max-train-arms.llstudent");
        StudentCheckpoint.WriteRaw(path, Encoding.UTF8.GetBytes(json.ToJsonString()), weights, meta.Format);
        Assert.Equal(7, StudentCheckpoint.Read(path).Metadata.Options.MaxTrainArms);        // recorded: kept as written
        json["Options"]!.AsObject().Remove("MaxTrainArms");
        StudentCheckpoint.WriteRaw(path, Encoding.UTF8.GetBytes(json.ToJsonString()), weights, meta.Format);
        using var loaded = TrainedStudent.Load(path, Cpu);
        Assert.Equal(0, loaded.Options.MaxTrainArms);
        Assert.Equal(Outputs(Student.Value), Outputs(loaded));
    }

    [Fact]
    public void Load_ConfigThatDoesNotFitTheWeights_SaysIncompatible()
    {
        var (meta, weights) = StudentCheckpoint.Read(SavedCopy());
        var path = Path.Combine(_dir, "mismatch.llstudent");
        StudentCheckpoint.Write(path, meta with { Options = meta.Options with { Hidden = meta.Options.Hidden * 2 } }, weights);
        var e = Assert.Throws<CheckpointException>(() => TrainedStudent.Load(path, Cpu));
        Assert.Contains("incompatible", e.Message);
        Assert.Contains($"hidden {meta.Options.Hidden * 2}", e.Message);
    }

    [Fact]
    public void MlpHeadStudent_RoundTripsThroughSaveAndPyTorchExport()
    {
        var options = StudentTrainingTests.Tiny(steps: 1) with { HeadHidden = 6 };
        using var s = BanditTrainer.Train(options, Cpu);
        var path = Path.Combine(_dir, "mlp.llstudent");
        s.Save(path);
        using var loaded = TrainedStudent.Load(path, Cpu);
        Assert.Equal(Outputs(s), Outputs(loaded));
        var py = Path.Combine(_dir, "mlp.pt");
        s.ExportPyTorch(py);
        using var fromPy = TrainedStudent.LoadPyTorch(py, options, Cpu);
        Assert.Equal(Outputs(s), Outputs(fromPy));
    }

    [Fact]
    public void ExportPyTorch_ThenLoadPy_GivesIdenticalOutputs()
    {
        var path = Path.Combine(_dir, "student.pt");
        Student.Value.ExportPyTorch(path);
        using var other = BanditTrainer.Train(StudentTrainingTests.Tiny(steps: 1) with { Seed = 99 }, Cpu);
        Assert.NotEqual(Outputs(Student.Value), Outputs(other));
        using var loaded = TrainedStudent.LoadPyTorch(path, Student.Value.Options, Cpu);
        Assert.Equal(Outputs(Student.Value), Outputs(loaded));
    }
}
