using System.Text;
using System.Text.Json;
using LatentLab.Imitation;
using LatentLab.Torch;
using static TorchSharp.torch;

namespace LatentLab.Models;

/// <summary>
/// The cot-synthetic transformer on disk (<c>latentlab cot-synthetic</c> writes <c>model.ckpt</c>; <c>latentlab perturb</c> and
/// <c>latentlab finetune-attack</c> read it): the layout every LatentLab checkpoint shares (<see cref="CheckpointContainer"/>)
/// with the header LATENTLAB-COT-TRANSFORMER, the training options as metadata and the module's weights.
/// </summary>
public static class CotCheckpoint
{
    /// <summary>The format this LatentLab writes and reads.</summary>
    public const int FormatVersion = 1;
    static readonly byte[] Magic = Encoding.ASCII.GetBytes("LATENTLAB-COT-TRANSFORMER\n");
    static readonly CheckpointContainer.Kind Kind = new("LatentLab cot-synthetic checkpoint", Magic, FormatVersion, FormatVersion,
        "a model.ckpt written by latentlab cot-synthetic (or CotCheckpoint.Save)", "or write one with latentlab cot-synthetic",
        "write it again with latentlab cot-synthetic");

    /// <summary>What a checkpoint records besides the weights.</summary>
    public sealed record Metadata(int Format, CotSyntheticOptions Options, bool IsPartial, int StepsCompleted, double AnswerAccuracy, double FinalLoss);

    /// <summary>A loaded model with the options it was trained with; disposing it disposes the model.</summary>
    public sealed record Loaded(TinyTransformer Model, CotSyntheticOptions Options, Metadata Metadata) : IDisposable
    {
        public void Dispose() => Model.Dispose();
    }

    /// <summary>Whether <paramref name="path"/> is a cot-synthetic checkpoint by its header (reads only the header).</summary>
    public static bool IsCotFile(string path) => CheckpointContainer.StartsWith(path, Magic);

    /// <summary>Writes <paramref name="result"/>'s model and options atomically; the result must know its options (every <see cref="CotSynthetic"/> result does).</summary>
    public static void Save(CotSyntheticResult result, string path)
    {
        ArgumentNullException.ThrowIfNull(result);
        var options = result.Options ?? throw new ArgumentException("this result does not record the options it was trained with; save a result of CotSynthetic.RunDetailed.", nameof(result));
        using var ms = new MemoryStream();
        result.Model.save(ms);
        var metadata = new Metadata(FormatVersion, options, result.IsPartial, result.StepsCompleted, result.AnswerAccuracy, result.FinalLoss);
        CheckpointContainer.Write(path, Magic, FormatVersion, JsonSerializer.SerializeToUtf8Bytes(metadata), ms.ToArray());
    }

    /// <summary>Reads and checks a checkpoint and rebuilds the model on <paramref name="device"/>; throws <see cref="CheckpointException"/> naming what is wrong.</summary>
    public static Loaded Load(string path, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        TorchRuntime.EnsureInitialized();
        var (_, json, weights) = CheckpointContainer.Read(path, Kind);
        string Corrupt(string what) => $"'{path}' is corrupted: {what}. Write it again with latentlab cot-synthetic.";
        Metadata? metadata;
        try { metadata = JsonSerializer.Deserialize<Metadata>(json); }
        catch (JsonException e) { throw new CheckpointException(Corrupt($"its metadata is not valid JSON ({e.Message})"), e); }
        if (metadata?.Options is not { } o) throw new CheckpointException(Corrupt("its metadata has no training options"));
        try { o.Validate(); }
        catch (ArgumentException e) { throw new CheckpointException($"'{path}' is incompatible: the configuration it records is invalid here ({LatentLab.Options.UserErrors.MessageOf(e)}).", e); }
        var task = new CotTask(o);
        // Built under the global generator's gate (its initial weights are replaced by the file's): module construction draws
        // from torch's global generator, and a seeded construction in another thread must not see those draws.
        var model = TorchRuntime.WithGlobalGenerator(null, () => new TinyTransformer(task.Vocab, task.Tokens, o.Width, o.Layers, o.Heads, device));
        try
        {
            using var ms = new MemoryStream(weights);
            model.load(ms, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            throw new CheckpointException($"'{path}' is incompatible: its weights do not fit the transformer it records ({o.Layers} blocks, width {o.Width}): {e.Message.Split('\n')[0]}", e);
        }
        model.eval();
        return new Loaded(model, o, metadata);
    }
}
