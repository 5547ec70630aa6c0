using LatentLab.Imitation;
using LatentLab.Reinforcement;
using LatentLab.Tests.Probes;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Reinforcement;

[Collection("torch threads")]
public class PolicyCheckpointTests
{
    static AlignmentPolicy Policy()
    {
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions { Coupling = 0.4, MaxConcerns = 2 }, CPU);
        using var g = new Generator(11, CPU);
        return AlignmentPolicy.Create(env, new PolicyOptions { Width = 8, Depth = 1, OutputGain = 1.0 }, 3, g);
    }

    [Fact]
    public void SaveThenLoad_GivesTheSameDistributionsAndOptions()
    {
        using var dir = new TempFolder();
        var policy = Policy();
        var path = Path.Combine(dir.Path, "ref.policy");
        PolicyCheckpoint.Save(policy, path, "pre-RL");
        var (loaded, meta) = PolicyCheckpoint.Load(path, CPU);
        Assert.Equal("pre-RL", meta.Note);
        Assert.Equal(policy.Environment.Options, loaded.Environment.Options);
        Assert.Equal(3, loaded.Seeds);
        var c = policy.Environment.Balanced(4, 1);
        using var noGrad = no_grad();
        Assert.Equal(0.0, (policy.SequenceLogProbs(c) - loaded.SequenceLogProbs(c)).abs().max().item<float>(), 7);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void AGru_SaveThenLoad_GivesTheSameDistributions_WithTheArchitectureInTheMetadata()
    {
        using var dir = new TempFolder();
        TorchRuntime.EnsureInitialized();
        var env = new AlignmentEnvironment(new AlignmentEnvironmentOptions { Coupling = 0.4, MaxConcerns = 2 }, CPU);
        using var g = new Generator(12, CPU);
        var policy = AlignmentPolicy.Create(env, new PolicyOptions { Architecture = PolicyArchitecture.Gru, Width = 8, Depth = 2, OutputGain = 1.0 }, 3, g);
        var path = Path.Combine(dir.Path, "gru.policy");
        PolicyCheckpoint.Save(policy, path, "a GRU");
        var (loaded, meta) = PolicyCheckpoint.Load(path, CPU);
        Assert.Equal((PolicyArchitecture.Gru, PolicyArchitecture.Gru), (meta.Policy.Architecture, loaded.Network.Architecture));
        Assert.Equal((3, 2), (loaded.Seeds, ((BatchedGru)loaded.Network).Layers));
        Assert.Equal(PolicyCheckpoint.FormatVersion, BitConverter.ToInt32(File.ReadAllBytes(path), "LATENTLAB-RL-POLICY\n".Length));
        Assert.Contains("\"Architecture\": \"Gru\"", File.ReadAllText(path));
        var c = env.Balanced(4, 1);
        using var noGrad = no_grad();
        Assert.Equal(0.0, (policy.SequenceLogProbs(c) - loaded.SequenceLogProbs(c)).abs().max().item<float>(), 7);
    }

    [Fact]
    public void AnMlpCheckpoint_WrittenBeforeTheGruExisted_StillLoads_AndAnMlpIsStillWrittenByteForByteAsThen()
    {
        // mlp-format1.policy: written by the LatentLab before the architecture knob (commit 2c85c8f) from the policy rebuilt
        // below (seed 5), on an AVX-512 Xeon. The initialisation is orthogonal (a QR factorisation in LAPACK), whose last bits
        // depend on the CPU's kernels (an AMD EPYC gives weights one ulp apart), so the rebuilt policy is compared to a tolerance
        // and the byte-for-byte check writes the loaded policy back.
        TorchRuntime.EnsureInitialized();
        var old = Path.Combine(AppContext.BaseDirectory, "Reinforcement", "mlp-format1.policy");
        var (loaded, meta) = PolicyCheckpoint.Load(old, CPU);
        Assert.Equal((PolicyArchitecture.Mlp, 2, 4, 1), (loaded.Network.Architecture, loaded.Seeds, meta.Policy.Width, meta.Policy.Depth));
        using var g = new Generator(5, CPU);
        var same = AlignmentPolicy.Create(new AlignmentEnvironment(new AlignmentEnvironmentOptions(), CPU), new PolicyOptions { Width = 4, Depth = 1, OutputGain = 1.0 }, 2, g);
        var c = same.Environment.Balanced(4, 1);
        using (no_grad())
            Assert.InRange((same.SequenceLogProbs(c) - loaded.SequenceLogProbs(c)).abs().max().item<float>(), 0f, 1e-5f);
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "again.policy");
        PolicyCheckpoint.Save(loaded, path, meta.Note);
        Assert.Equal(File.ReadAllBytes(old), File.ReadAllBytes(path));                 // still format 1, no architecture field
    }

    [Fact]
    public void ACheckpointOfANewerFormat_NamesTheFormatsThisVersionReads()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "ref.policy");
        PolicyCheckpoint.Save(Policy(), path);
        var bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(PolicyCheckpoint.FormatVersion + 1).CopyTo(bytes, "LATENTLAB-RL-POLICY\n".Length);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => PolicyCheckpoint.Load(path, CPU));
        Assert.Contains($"format {PolicyCheckpoint.FormatVersion + 1}, but this LatentLab reads formats 1..{PolicyCheckpoint.FormatVersion}", e.Message);
    }

    [Fact]
    public void LayerSizesWhoseProductOverflows_AreReportedAsCorrupted_NotAnArithmeticError()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "ref.policy");
        PolicyCheckpoint.Save(Policy(), path);
        var bytes = File.ReadAllBytes(path);
        int at = "LATENTLAB-RL-POLICY\n".Length, format = BitConverter.ToInt32(bytes, at), jsonLength = BitConverter.ToInt32(bytes, at + 4);
        var json = System.Text.Encoding.UTF8.GetString(bytes, at + 8, jsonLength);
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        node["Sizes"] = new System.Text.Json.Nodes.JsonArray(2_000_000_000, 2_000_000_000, 2_000_000_000, 8);   // a sum of products past 2^63
        var weights = bytes[(at + 8 + jsonLength + 8)..^32];
        LatentLab.Imitation.CheckpointContainer.Write(path, System.Text.Encoding.ASCII.GetBytes("LATENTLAB-RL-POLICY\n"), format,
            System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()), weights);
        var e = Assert.Throws<CheckpointException>(() => PolicyCheckpoint.Load(path, CPU));
        Assert.Contains("is corrupted", e.Message);
        Assert.Contains("would hold more numbers than a file can", e.Message);   // counted with checked arithmetic, not wrapped around
        Assert.Contains("2000000000", e.Message);
    }

    [Fact]
    public void DamagedFiles_FailWithAMessageNamingTheProblem()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "ref.policy");
        PolicyCheckpoint.Save(Policy(), path);
        var bytes = File.ReadAllBytes(path);

        var missing = Assert.Throws<CheckpointException>(() => PolicyCheckpoint.Load(Path.Combine(dir.Path, "nope"), CPU));
        Assert.Contains("does not exist", missing.Message);

        var flipped = (byte[])bytes.Clone();
        flipped[^40] ^= 0x10;
        File.WriteAllBytes(path, flipped);
        Assert.Contains("checksum", Assert.Throws<CheckpointException>(() => PolicyCheckpoint.Load(path, CPU)).Message);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated", Assert.Throws<CheckpointException>(() => PolicyCheckpoint.Load(path, CPU)).Message);

        File.WriteAllText(path, "hello");
        Assert.Contains("not a LatentLab RL policy checkpoint", Assert.Throws<CheckpointException>(() => PolicyCheckpoint.Load(path, CPU)).Message);
    }
}
