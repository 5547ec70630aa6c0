using LatentLab.Activations;
using LatentLab.Cli.Output;
using LatentLab.Formats;
using LatentLab.Models;
using LatentLab.Reports;
using Microsoft.Data.Analysis;
using TorchSharp;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab cot-synthetic</c>: <see cref="CotSynthetic.RunDetailed"/> with the knobs of <see cref="CotSyntheticOptions"/>;
/// writes the activation set as files <c>latentlab probe-sweep</c> reads, and the model as <c>model.ckpt</c> (<see cref="CotCheckpoint"/>),
/// which <c>latentlab perturb</c> and <c>latentlab finetune-attack</c> read. An interrupt records the partly trained model.
/// </summary>
public static class CotSyntheticCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "cot-synthetic",
        description: "Trains a small transformer on the synthetic multiple-choice chain-of-thought task and records its residual stream at every " +
                     "layer and position on held-out questions. Writes acts.safetensors (one (N, P, D) float32 tensor per layer and the " +
                     "model's answers as labels), baseline.npy (answer-letter logits (N, P, C)) and cot-synthetic.csv (per question: true " +
                     "answer, model answer, deciding position) and model.ckpt (the transformer). Then: latentlab probe-sweep --activations acts.safetensors " +
                     "--baseline baseline.npy, or latentlab perturb / finetune-attack --model model.ckpt",
        example: "latentlab cot-synthetic --steps 1500 --layers 3 --width 64 --seed 0 --out-dir runs/cot",
        options: typeof(CotSyntheticOptions),
        inputs: [],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<CotSyntheticOptions>();
        var device = run.Device;
        var result = await run.Progress.RunAsync(() =>
            CotSynthetic.RunDetailed(options, device, run.Progress.For<CotSyntheticProgress>(p => p.ToRunProgress()), run.CancellationToken));
        using var model = result.Model;
        using var set = result.Activations;
        var files = new List<string> { run.Save("acts.safetensors", path => WriteActivations(set, path)) };
        if (set.BaselineScores is { } scores)
            files.Add(run.Save("baseline.npy", path => ResultFiles.Atomically(path, temp => NpyFile.Write(temp, scores, set.Count, set.Positions, set.ClassCount))));
        files.Add(run.Save("cot-synthetic.csv", path => ResultFiles.WriteCsv(Questions(result), path)));
        var checkpoint = run.Save("model.ckpt", path => CotCheckpoint.Save(result, path));
        files.Add(checkpoint);
        var summary = $"Trained {result.StepsCompleted} of {options.Steps} steps in {ReportFormat.Duration(result.TrainingTime)}: final loss " +
                      $"{ReportFormat.Number(result.FinalLoss, "0.000")}, answer accuracy {ReportFormat.Number(result.AnswerAccuracy, "0.000")} on " +
                      $"{set.Count} held-out questions ({set.Layers} layers x {set.Positions} positions x {set.Dim}).";
        return new CliResult(files, summary, result.IsPartial)
        {
            Metrics = [new("steps_completed", result.StepsCompleted), new("final_loss", result.FinalLoss), new("answer_accuracy", result.AnswerAccuracy)],
        };
    }

    /// <summary>
    /// Writes <paramref name="set"/> as .safetensors, layer by layer in float32, with the answers as labels (the class names as
    /// written, so <see cref="ActivationSet.Load"/> finds the same classes in the same order).
    /// </summary>
    static string WriteActivations(ActivationSet set, string path)
    {
        using var writer = ActivationWriter.CreateSafetensors(path, set.Count, set.Layers, set.Positions, set.Dim, ArrayDType.Float32);
        for (int layer = 0; layer < set.Layers; layer++)
        {
            using var scope = torch.NewDisposeScope();
            writer.AppendLayer(layer, set.ReadLayer(layer));   // (N, P, D)
        }
        writer.SetLabels(set.Labels.Select(k => int.TryParse(set.ClassNames[k], out var answer) ? answer : k).ToList());
        writer.Complete();
        return path;
    }

    /// <summary>One row per recorded question: its true answer, the model's answer and the position that decides it.</summary>
    static DataFrame Questions(CotSyntheticResult result)
    {
        var set = result.Activations;
        return new DataFrame(
            new Int32DataFrameColumn("question", Enumerable.Range(0, set.Count)),
            new Int32DataFrameColumn("true_answer", result.TrueAnswers),
            new StringDataFrameColumn("model_answer", set.Labels.Select(k => set.ClassNames[k])),
            new Int32DataFrameColumn("decision_position", result.DecisionPositions));
    }
}
