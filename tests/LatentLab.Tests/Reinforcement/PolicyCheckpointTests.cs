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
