using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LatentLab.Formats;
using LatentLab.Imitation;
using static TorchSharp.torch;

namespace LatentLab.Reinforcement;

/// <summary>
/// Saves and loads an <see cref="AlignmentPolicy"/> (all its seeds), so a pre-RL and a post-RL policy can be compared later.
/// <code>
/// "LATENTLAB-RL-POLICY\n" | int32 format | int32 n | n bytes JSON metadata | int64 m | m bytes float32 weights | 32 bytes SHA-256(JSON + weights)
/// </code>
/// Weights: the network's <see cref="IPolicyNetwork.StackedParameters"/> in order, little-endian float32, row-major (an MLP:
/// every layer's W (S, in, out) then b (S, 1, out); a GRU: W_ih, W_hh, b_ih, b_hh per layer, then the head's W and b). Format 1
/// is an MLP (the metadata has no architecture; every LatentLab reads it); format 2 records the architecture in the policy
/// options (a GRU). Written to a temporary file next to the target and renamed over it, so a crash never leaves half a
/// checkpoint. Every failure names the problem.
/// </summary>
public static class PolicyCheckpoint
{
    /// <summary>The newest format this version writes and reads (it reads every format from 1 up).</summary>
    public const int FormatVersion = 2;

    /// <summary>The format of an MLP policy: written for MLPs, so that their files stay readable by every LatentLab.</summary>
    public const int MlpFormatVersion = 1;
    static readonly byte[] Magic = Encoding.ASCII.GetBytes("LATENTLAB-RL-POLICY\n");
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>Whether <paramref name="path"/> is a policy checkpoint by its header (reads only the header).</summary>
    public static bool IsPolicyFile(string path) => CheckpointContainer.StartsWith(path, Magic);

    /// <summary>Writes <paramref name="policy"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(AlignmentPolicy policy, string path, string note = "")
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("Give a file path to save the policy to.", nameof(path));
        var net = policy.Network;
        int format = net.Architecture == PolicyArchitecture.Mlp ? MlpFormatVersion : FormatVersion;
        var metadata = new PolicyCheckpointMetadata
        {
            Format = format, Environment = policy.Environment.Options, Policy = policy.Options, Seeds = net.Seeds, Sizes = net.Sizes, Note = note,
        };
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(metadata, Json));
        var floats = new List<float>();
        foreach (var p in net.StackedParameters) floats.AddRange(p.Value.detach().cpu().contiguous().data<float>().ToArray());
        var weights = MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(floats)).ToArray();
        CheckpointContainer.Write(path, Magic, format, json, weights);
    }

    /// <summary>Reads, checks and rebuilds a policy (and its environment) on <paramref name="device"/>.</summary>
    /// <exception cref="CheckpointException">Missing, not a policy checkpoint, truncated, corrupted or incompatible.</exception>
    public static (AlignmentPolicy Policy, PolicyCheckpointMetadata Metadata) Load(string path, Device device)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CheckpointException("No checkpoint path was given; pass the file written by PolicyCheckpoint.Save.");
        if (Directory.Exists(path)) throw new CheckpointException($"'{path}' is a directory, give a file: the policy checkpoint inside it.");
        if (!File.Exists(path)) throw new CheckpointException($"No policy checkpoint at '{path}': the file does not exist. Check the path (or bake / train and save first).");
        StaleTempFiles.Remove(path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException($"'{path}' is not a LatentLab RL policy checkpoint (it does not start with the LATENTLAB-RL-POLICY header). Load a file written by PolicyCheckpoint.Save.");
        int at = Magic.Length;
        string Truncated(long need) => $"'{path}' is truncated: it has {bytes.Length} bytes but its header promises at least {need}. The copy or save was interrupted; save the policy again.";
        if (bytes.Length < at + 8) throw new CheckpointException(Truncated(at + 8));
        int format = BitConverter.ToInt32(bytes, at);
        if (format < MlpFormatVersion || format > FormatVersion)
            throw new CheckpointException($"'{path}' has policy checkpoint format {format}, but this LatentLab reads formats {MlpFormatVersion}..{FormatVersion}. Use the LatentLab version that wrote it, or bake again.");
        int jsonLength = BitConverter.ToInt32(bytes, at + 4);
        at += 8;
        if (jsonLength < 0 || (long)at + jsonLength + 8 > bytes.Length) throw new CheckpointException(Truncated((long)at + Math.Max(jsonLength, 0) + 8));
        var json = bytes.AsSpan(at, jsonLength).ToArray();
        at += jsonLength;
        long weightsLength = BitConverter.ToInt64(bytes, at);
        at += 8;
        if (weightsLength < 0 || at + weightsLength + 32 > bytes.Length) throw new CheckpointException(Truncated(at + Math.Max(weightsLength, 0) + 32));
        var weights = bytes.AsSpan(at, (int)weightsLength).ToArray();
        at += (int)weightsLength;
        if (!bytes.AsSpan(at, 32).SequenceEqual(CheckpointContainer.Hash(json, weights)))
            throw new CheckpointException($"'{path}' is corrupted: its SHA-256 checksum does not match its contents (a byte changed after it was saved). Use an intact copy or save again.");
        if (bytes.Length != at + 32) throw new CheckpointException($"'{path}' is corrupted: it has {bytes.Length - at - 32} unexpected bytes after the checksum.");
        PolicyCheckpointMetadata? meta;
        try { meta = JsonSerializer.Deserialize<PolicyCheckpointMetadata>(json, Json); }
        catch (JsonException e) { throw new CheckpointException($"'{path}' is corrupted: its metadata is not valid JSON ({e.Message}).", e); }
        if (meta?.Environment is null || meta.Policy is null || meta.Sizes is null) throw new CheckpointException($"'{path}' is corrupted: its metadata lacks the environment, policy or layer sizes.");
        AlignmentEnvironment env;
        try
        {
            meta.Policy.Validate();
            env = new AlignmentEnvironment(meta.Environment, device);
        }
        catch (ArgumentException e) { throw new CheckpointException($"'{path}' is incompatible: the configuration it records is invalid here ({e.Message}).", e); }
        var architecture = meta.Policy.Architecture;
        if (format == MlpFormatVersion && architecture != PolicyArchitecture.Mlp)
            throw new CheckpointException($"'{path}' is corrupted: format {MlpFormatVersion} holds an MLP policy, but its metadata says {architecture}.");
        string shape = $"{meta.Seeds} seeds of a {architecture} with layer sizes [{string.Join(", ", meta.Sizes)}]";
        if (meta.Seeds < 1 || meta.Sizes.Length < (architecture == PolicyArchitecture.Mlp ? 2 : 3) || meta.Sizes.Any(x => x < 1))
            throw new CheckpointException($"'{path}' is corrupted: its metadata records {shape}.");
        var shapes = PolicyNetworks.ParameterShapes(architecture, meta.Seeds, meta.Sizes);
        long expected;
        try { expected = checked(shapes.Sum(s => s.Aggregate(1L, (a, b) => checked(a * b))) * 4); }
        catch (OverflowException) { throw new CheckpointException($"'{path}' is corrupted: {shape} would hold more numbers than a file can."); }
        if (expected != weightsLength)
            throw new CheckpointException($"'{path}' is corrupted: {weightsLength} weight bytes do not fit {shape}.");
        var floats = MemoryMarshal.Cast<byte, float>(weights).ToArray();
        int offset = 0;
        var stacks = new Tensor[shapes.Count];
        for (int i = 0; i < stacks.Length; i++)
        {
            int count = (int)shapes[i].Aggregate(1L, (a, b) => a * b);
            stacks[i] = tensor(floats.AsSpan(offset, count).ToArray(), shapes[i], float32, device);
            offset += count;
        }
        try { return (new AlignmentPolicy(PolicyNetworks.FromTensors(architecture, meta.Policy.Activation, stacks, "policy"), env, meta.Policy), meta); }
        catch (ArgumentException e) { throw new CheckpointException($"'{path}' is incompatible: {e.Message}", e); }
    }
}
