using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LatentLab.Formats;

namespace LatentLab.Imitation;

/// <summary>
/// The checkpoint file format: magic line, format number, metadata JSON, TorchSharp weights, SHA-256 of both.
/// <code>
/// "LATENTLAB-BANDIT-STUDENT\n" | int32 format | int32 n | n bytes JSON | int64 m | m bytes weights | 32 bytes SHA-256(JSON + weights)
/// </code>
/// Written to a temporary file next to the target and renamed over it, so a crash never leaves half a checkpoint.
/// </summary>
public static class StudentCheckpoint
{
    public const int FormatVersion = 1;
    static readonly byte[] Magic = Encoding.ASCII.GetBytes("LATENTLAB-BANDIT-STUDENT\n");

    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Whether <paramref name="path"/> is a bandit-student checkpoint by its header (reads only the header).</summary>
    public static bool IsStudentFile(string path) => CheckpointContainer.StartsWith(path, Magic);

    /// <summary>Writes atomically: a temp file in the same folder, flushed, then renamed over <paramref name="path"/>.</summary>
    public static void Write(string path, CheckpointMetadata metadata, byte[] weights) =>
        WriteRaw(path, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(metadata, Json)), weights, metadata.Format);

    /// <summary>Low-level writer (metadata JSON bytes as given); Save uses <see cref="Write"/>. Public for tools and tests.</summary>
    public static void WriteRaw(string path, byte[] json, byte[] weights, int format)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("Give a file path to save the checkpoint to.", nameof(path));
        CheckpointContainer.Write(path, Magic, format, json, weights);
    }

    /// <summary>Reads and checks a checkpoint; throws <see cref="CheckpointException"/> naming what is wrong.</summary>
    public static (CheckpointMetadata Metadata, byte[] Weights) Read(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CheckpointException("No checkpoint path was given; pass the file written by Save(path).");
        if (Directory.Exists(path))
            throw new CheckpointException($"'{path}' is a directory, give a file: the checkpoint file inside it (e.g. {Path.Combine(path, "model.ckpt")}).");
        if (!File.Exists(path)) throw new CheckpointException($"No checkpoint at '{path}': the file does not exist. Check the path (or train and Save first).");
        StaleTempFiles.Remove(path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException($"'{path}' is not a LatentLab bandit-student checkpoint (it does not start with the LATENTLAB-BANDIT-STUDENT header). " +
                                          "Load a file written by TrainedStudent.Save; PyTorch state dicts from ExportPyTorch load with TrainedStudent.LoadPyTorch.");
        int at = Magic.Length;
        string Truncated(long need) => $"'{path}' is truncated: it has {bytes.Length} bytes but its header promises at least {need}. " +
                                       "The copy or save was interrupted; save the model again.";
        if (bytes.Length < at + 8) throw new CheckpointException(Truncated(at + 8));
        int format = BitConverter.ToInt32(bytes, at);
        if (format != FormatVersion)
            throw new CheckpointException($"'{path}' has checkpoint format {format}, but this LatentLab reads format {FormatVersion}: it is incompatible. " +
                                          "Use the LatentLab version that wrote it, or retrain.");
        int jsonLength = BitConverter.ToInt32(bytes, at + 4);
        at += 8;
        if (jsonLength < 0) throw new CheckpointException($"'{path}' is corrupted: its metadata length is negative.");
        if ((long)at + jsonLength + 8 > bytes.Length) throw new CheckpointException(Truncated((long)at + jsonLength + 8));
        var json = bytes.AsSpan(at, jsonLength).ToArray();
        at += jsonLength;
        long weightsLength = BitConverter.ToInt64(bytes, at);
        at += 8;
        if (weightsLength < 0) throw new CheckpointException($"'{path}' is corrupted: its weights length is negative.");
        if (at + weightsLength + 32 > bytes.Length) throw new CheckpointException(Truncated(at + weightsLength + 32));
        var weights = bytes.AsSpan(at, (int)weightsLength).ToArray();
        at += (int)weightsLength;
        if (!bytes.AsSpan(at, 32).SequenceEqual(CheckpointContainer.Hash(json, weights)))
            throw new CheckpointException($"'{path}' is corrupted: its SHA-256 checksum does not match its contents (a byte changed after it was saved). " +
                                          "Use an intact copy or retrain.");
        if (bytes.Length != at + 32)
            throw new CheckpointException($"'{path}' is corrupted: it has {bytes.Length - at - 32} unexpected bytes after the checksum.");
        CheckpointMetadata? metadata;
        try { metadata = JsonSerializer.Deserialize<CheckpointMetadata>(json, Json); }
        catch (JsonException e) { throw new CheckpointException($"'{path}' is corrupted: its metadata is not valid JSON ({e.Message}).", e); }
        if (metadata?.Options is null) throw new CheckpointException($"'{path}' is corrupted: its metadata has no training options.");
        try { metadata.Options.Validate(); }
        catch (ArgumentException e) { throw new CheckpointException($"'{path}' is incompatible: the configuration it records is invalid here ({e.Message}).", e); }
        return (metadata, weights);
    }

}
