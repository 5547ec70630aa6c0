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
    static readonly CheckpointContainer.Kind Kind = new("LatentLab bandit-student checkpoint", Magic, FormatVersion, FormatVersion,
        "a file written by TrainedStudent.Save; PyTorch state dicts from ExportPyTorch load with TrainedStudent.LoadPyTorch",
        "or train and Save first", "save the model again");

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
        var (_, json, weights) = CheckpointContainer.Read(path, Kind);
        CheckpointMetadata? metadata;
        try { metadata = JsonSerializer.Deserialize<CheckpointMetadata>(json, Json); }
        catch (JsonException e) { throw new CheckpointException($"'{path}' is corrupted: its metadata is not valid JSON ({e.Message}).", e); }
        if (metadata?.Options is null) throw new CheckpointException($"'{path}' is corrupted: its metadata has no training options.");
        // Files written before MaxTrainArms existed trained on K up to Arms: the knob's 0, whatever today's default is.
        if (!RecordsOption(json, nameof(BanditTrainingOptions.MaxTrainArms)))
            metadata = metadata with { Options = metadata.Options with { MaxTrainArms = 0 } };
        try { metadata.Options.Validate(); }
        catch (ArgumentException e) { throw new CheckpointException($"'{path}' is incompatible: the configuration it records is invalid here ({e.Message}).", e); }
        return (metadata, weights);
    }

    /// <summary>Whether the metadata JSON's Options object names <paramref name="option"/>.</summary>
    static bool RecordsOption(byte[] json, string option)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty(nameof(CheckpointMetadata.Options), out var options)
               && options.ValueKind == JsonValueKind.Object && options.TryGetProperty(option, out _);
    }

}
