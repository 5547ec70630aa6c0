using LatentLab.Cli.Output;
using LatentLab.LanguageModels;
using LatentLab.Options;
using Microsoft.Data.Analysis;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab llm-cot</c>: <see cref="CotRecorder.Record"/> with the records of <c>#!llm-cot</c> (<see cref="CotRecorderOptions"/>,
/// <see cref="GenerationOptions"/>, <see cref="CotQuestionSource"/>), the model loaded from <c>--model FOLDER</c>. The recording
/// folder is <c>--out-dir</c>: an interrupt keeps every question done, and the same command again resumes there.
/// </summary>
public static class LlmCotCli
{
    /// <summary>
    /// The model's knobs without <c>--dtype</c>, which here is <see cref="CotRecorderOptions.DType"/> (the stored activations'
    /// type): the recorder's model computes in float32, as transformers' reference does.
    /// </summary>
    static readonly OptionSchema ModelKnobs = OptionSchema.Except(typeof(LanguageModelSource), typeof(CotRecorderOptions));

    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "llm-cot",
        description: "Loads a checkpoint folder (computing in float32; --dtype is the stored activations' type) and asks it every multiple-choice " +
                     "question of a .jsonl file as a chat, lets it write a chain of thought, parses its final answer, and records at every generated " +
                     "token the residual stream of every layer (or --layers) and the log-probability of each answer letter, streamed to --out-dir " +
                     "one question at a time (activations.npy, labels.npy, records.jsonl, ...). Writes llm-cot.csv (one row per question: gold, " +
                     "stated and labelled answer, correct, chain length, stop). Interrupt keeps what is done; the same command again resumes. " +
                     "Then: latentlab probe-sweep --activations DIR/activations.npy --labels DIR/labels.npy --groups DIR/groups.npy",
        example: "latentlab llm-cot --model /models/Qwen3-0.6B --questions questions.jsonl --max-new-tokens 256 --layers all --out-dir runs/cot",
        options: typeof(CotRecorderOptions),
        inputs: [typeof(CotQuestionSource), typeof(GenerationOptions)],
        run: RunAsync,
        views: [ModelKnobs]);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<CotRecorderOptions>();
        var generation = run.Get<GenerationOptions>();
        var questions = run.Get<CotQuestionSource>().Read();
        var source = run.Get<LanguageModelSource>();
        var device = run.Device;
        using var model = await Task.Run(() => source.Load(device, needTokenizer: true));
        var folder = Path.GetDirectoryName(run.OutPath("llm-cot.csv"))!;
        using var recording = await run.Progress.RunAsync(() => CotRecorder.Record(model, questions, folder, options, generation,
            run.Progress.For<CotRecorderProgress>(p => p.ToRunProgress()), run.CancellationToken));
        var r = recording.Records;
        var csv = run.Save("llm-cot.csv", path => ResultFiles.WriteCsv(new DataFrame(
            new Int32DataFrameColumn("question", r.Select(x => x.Index)),
            new Int32DataFrameColumn("line", r.Select(x => x.Line)),
            new StringDataFrameColumn("group", r.Select(x => x.Group ?? "")),
            new Int32DataFrameColumn("gold", r.Select(x => x.Gold)),
            new Int32DataFrameColumn("stated", r.Select(x => x.Stated)),
            new Int32DataFrameColumn("label", r.Select(x => x.Label)),
            new BooleanDataFrameColumn("correct", r.Select(x => x.Correct)),
            new Int32DataFrameColumn("length", r.Select(x => x.Length)),
            new StringDataFrameColumn("stop", r.Select(x => x.Stop))), path));
        if (recording.Activations is null && !recording.Interrupted)
            throw new InvalidDataException($"No activation set was written: {recording.Note} The records are in {Path.Combine(folder, "records.jsonl")}.");
        return new CliResult([folder, csv], recording.ToString(), recording.Interrupted);
    }
}
