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
    static readonly CheckpointContainer.Kind Kind = new("LatentLab RL policy checkpoint", Magic, MlpFormatVersion, FormatVersion,
        "a file written by PolicyCheckpoint.Save", "or bake / train and save first", "save the policy again");
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
        var (format, json, weights) = CheckpointContainer.Read(path, Kind);
        long weightsLength = weights.Length;
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
        catch (ArgumentException e) { throw new CheckpointException($"'{path}' is incompatible: the configuration it records is invalid here ({LatentLab.Options.UserErrors.MessageOf(e)}).", e); }
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
        catch (ArgumentException e) { throw new CheckpointException($"'{path}' is incompatible: {LatentLab.Options.UserErrors.MessageOf(e)}", e); }
    }
}
