using LatentLab.Bandits;
using LatentLab.Torch;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LatentLab.Imitation;

/// <summary>
/// A trained (or partially trained) student: its network, the options it was trained with, and how training went.
/// Save/Load keep all of it; ExportPyTorch writes a PyTorch state dict.
/// </summary>
public sealed class TrainedStudent : IDisposable
{
    internal TrainedStudent(BanditTrainingOptions options, StudentNetwork network, Device device, bool isPartial, int stepsCompleted,
        IReadOnlyList<TrainingProgress> history, TimeSpan trainingTime)
    {
        Options = options;
        Network = network;
        Device = device;
        IsPartial = isPartial;
        StepsCompleted = stepsCompleted;
        History = history;
        TrainingTime = trainingTime;
    }

    public BanditTrainingOptions Options { get; }
    public StudentNetwork Network { get; }
    public Device Device { get; }

    /// <summary>True when training was interrupted before <c>Options.Steps</c>; the weights are the ones reached so far.</summary>
    public bool IsPartial { get; }
    public int StepsCompleted { get; }

    /// <summary>Progress reports in order (loss and agreement curves).</summary>
    public IReadOnlyList<TrainingProgress> History { get; }
    public TimeSpan TrainingTime { get; }

    public int Arms => Options.Arms;
    public int TrainHorizon => Options.TrainHorizon;
    public TrainingProgress? Final => History.Count > 0 ? History[^1] : null;

    /// <summary>A fresh policy object (own hidden state) for rollouts.</summary>
    public StudentPolicy CreatePolicy()
    {
        ThrowIfDisposed();
        return new(Network);
    }

    /// <summary>Saves atomically (temp file then rename) with the config, training summary and versions.</summary>
    public void Save(string path)
    {
        ThrowIfDisposed();
        var info = TorchRuntime.Describe();
        using var ms = new MemoryStream();
        Network.save(ms);
        var metadata = new CheckpointMetadata(StudentCheckpoint.FormatVersion, Options, IsPartial, StepsCompleted, TrainingTime.TotalSeconds,
            Final?.Loss, Final?.Agreement, info.LatentLab, info.TorchSharp, info.LibTorch, DateTime.UtcNow);
        StudentCheckpoint.Write(path, metadata, ms.ToArray());
    }

    /// <summary>Loads a checkpoint onto <paramref name="device"/>; throws <see cref="CheckpointException"/> naming the problem.</summary>
    public static TrainedStudent Load(string path, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        TorchRuntime.EnsureInitialized();
        var (metadata, weights) = StudentCheckpoint.Read(path);
        var o = metadata.Options;
        var network = StudentNetwork.Create(o);
        try
        {
            using var ms = new MemoryStream(weights);
            network.load(ms, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            network.Dispose();
            throw new CheckpointException(
                $"'{path}' is incompatible: its weights do not fit the configuration it records " +
                $"({o.Architecture}, arms {o.Arms}, hidden {o.Hidden}, layers {o.Layers}): {e.Message.Split('\n')[0]}", e);
        }
        network.to(device);
        network.eval();
        var history = new List<TrainingProgress>();
        if (metadata.FinalLoss is { } loss)
            history.Add(new TrainingProgress(metadata.StepsCompleted, o.Steps, loss, metadata.FinalAgreement ?? double.NaN,
                BanditTrainer.TeacherMix(o, Math.Max(metadata.StepsCompleted - 1, 0)), 0, TimeSpan.FromSeconds(metadata.TrainingSeconds)));
        return new TrainedStudent(o, network, device, metadata.IsPartial, metadata.StepsCompleted, history, TimeSpan.FromSeconds(metadata.TrainingSeconds));
    }

    /// <summary>
    /// Writes the weights as a PyTorch state dict (torch.load + load_state_dict on a module with
    /// <c>self.lstm = nn.LSTM(F, hidden, layers, batch_first=True)</c> and <c>self.head = nn.Linear(hidden, 1 or K)</c>).
    /// </summary>
    public void ExportPyTorch(string path)
    {
        ThrowIfDisposed();
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("Give a file path for the PyTorch state dict.", nameof(path));
        Formats.AtomicFile.Write(path, temp => Network.save_py(temp));   // a killed export leaves the old file, and its temp is removed next time
    }

    /// <summary>Loads a PyTorch state dict written by <see cref="ExportPyTorch"/> (or by Python) into a student with these options.</summary>
    public static TrainedStudent LoadPyTorch(string path, BanditTrainingOptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        options.Validate();
        TorchRuntime.EnsureInitialized();
        if (Directory.Exists(path)) throw new CheckpointException($"'{path}' is a directory, give a file: the PyTorch state dict inside it.");
        if (!File.Exists(path)) throw new CheckpointException($"No PyTorch state dict at '{path}': the file does not exist.");
        var network = StudentNetwork.Create(options);
        try { network.load_py(path, strict: true); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            network.Dispose();
            throw new CheckpointException($"'{path}' does not load as a student state dict for these options (arms {options.Arms}, hidden {options.Hidden}, " +
                                          $"layers {options.Layers}, {options.Architecture}): {e.Message.Split('\n')[0]}", e);
        }
        network.to(device);
        network.eval();
        return new TrainedStudent(options, network, device, false, options.Steps, Array.Empty<TrainingProgress>(), TimeSpan.Zero);
    }

    public override string ToString() =>
        $"student: {Options.Architecture} LSTM hidden {Options.Hidden} x{Options.Layers}, K={Arms}, teacher {Options.Teacher}, " +
        $"{StepsCompleted}/{Options.Steps} steps{(IsPartial ? " (PARTIAL: training was interrupted)" : "")}, " +
        $"loss {Final?.Loss:0.###}, agreement {Final?.Agreement:0.###}";

    /// <summary>True once <see cref="Dispose"/> ran: the weights are gone.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Throws <see cref="DisposedObjectException"/> (saying how to get the student back) once it is disposed.</summary>
    public void ThrowIfDisposed()
    {
        if (IsDisposed)
            throw new DisposedObjectException("this trained student",
                "Train it again (#!bandit-train --out model, or BanditTrainer.Train) or load its checkpoint (#!bandit-eval --load PATH, or TrainedStudent.Load(path, device)).");
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Network.Dispose();
    }
}
