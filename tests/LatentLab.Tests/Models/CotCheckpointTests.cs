using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Tests.Perturbation;
using LatentLab.Tests.Probes;
using static TorchSharp.torch;

namespace LatentLab.Tests.Models;

/// <summary>
/// The cot-synthetic transformer's checkpoint (model.ckpt): the same model back, and every damaged file refused with a message
/// naming the problem (the layout checks are <see cref="CheckpointContainer.Read"/>'s, shared with the student's and the policy's).
/// </summary>
[Collection("cot-synthetic")]
public class CotCheckpointTests(TinyCotFixture fixture) : IClassFixture<TinyCotFixture>
{

    [Fact]
    public void SavedModel_LoadsBack_WithTheSameOptions_AndTheSameLogits()
    {
        using var tmp = new TempFolder();
        var result = fixture.Result;
        var path = tmp.File("model.ckpt");
        CotCheckpoint.Save(result, path);
        Assert.True(CotCheckpoint.IsCotFile(path));
        using var loaded = CotCheckpoint.Load(path, CPU);
        Assert.Equal(result.Options, loaded.Options);
        Assert.Equal(result.StepsCompleted, loaded.Metadata.StepsCompleted);
        var (tokens, _, _) = result.Task.Sample(8, new Random(3));
        using var idx = tensor(tokens, [8, result.Task.Tokens]);
        using var noGrad = no_grad();
        result.Model.eval();
        using var expected = result.Model.forward(idx);
        using var actual = loaded.Model.forward(idx);
        Assert.Equal(0.0, (expected - actual).abs().max().item<float>());
    }

    [Fact]
    public void DamagedFiles_AreRefused_NamingTheProblem()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("model.ckpt");
        CotCheckpoint.Save(fixture.Result, path);
        var bytes = File.ReadAllBytes(path);
        string Refusal(string name, byte[] content)
        {
            var file = tmp.File(name);
            File.WriteAllBytes(file, content);
            return Assert.Throws<CheckpointException>(() => CotCheckpoint.Load(file, CPU)).Message;
        }

        Assert.Contains("truncated", Refusal("cut.ckpt", bytes[..(bytes.Length / 2)]));
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length - 100] ^= 0x40;                                   // a byte of the weights
        Assert.Contains("checksum", Refusal("flipped.ckpt", flipped));
        Assert.Contains("unexpected bytes after the checksum", Refusal("longer.ckpt", [.. bytes, 0]));
        Assert.Contains("not a LatentLab cot-synthetic checkpoint", Refusal("other.ckpt", "LATENTLAB-BANDIT-STUDENT\n...."u8.ToArray()));
        Assert.Contains("is a directory, give a file", Assert.Throws<CheckpointException>(() => CotCheckpoint.Load(tmp.Path, CPU)).Message);
        Assert.Contains("does not exist", Assert.Throws<CheckpointException>(() => CotCheckpoint.Load(tmp.File("none.ckpt"), CPU)).Message);
    }
}
