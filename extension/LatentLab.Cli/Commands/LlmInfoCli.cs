using System.Diagnostics;
using LatentLab.Cli.Output;
using LatentLab.LanguageModels;
using LatentLab.Reports;
using Microsoft.Data.Analysis;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab llm-info</c>: the console's <c>#!llm-load</c>. A terminal keeps no model between commands, so
/// <c>llm-generate</c> and <c>llm-cot</c> each load their own from <c>--model FOLDER</c> (the same <see cref="LanguageModelSource"/>
/// knobs); this command loads a checkpoint the same way, checks it and writes its card.
/// </summary>
public static class LlmInfoCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "llm-info",
        description: "Loads a Hugging Face decoder checkpoint folder (Qwen2, Qwen3, Llama 3.x, Gemma2, Gemma3 text) as llm-generate and llm-cot do " +
                     "(the console's #!llm-load: a terminal keeps no model between commands, so those take --model FOLDER themselves), checks " +
                     "it and its tokenizer, and writes llm-info.csv (architecture, layers, width, heads, vocabulary, parameters, dtype, memory).",
        example: "latentlab llm-info --model /models/Qwen3-0.6B --dtype float32 --out-dir runs/llm",
        options: null,
        inputs: [typeof(LanguageModelSource)],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var source = run.Get<LanguageModelSource>();
        var device = run.Device;
        var clock = Stopwatch.StartNew();
        using var model = await Task.Run(() => source.Load(device));
        var c = model.Config;
        var rows = new (string Field, string Value)[]
        {
            ("folder", model.Folder), ("architecture", c.ModelType), ("layers", $"{c.Layers}"), ("width", $"{c.HiddenSize}"),
            ("mlp_width", $"{c.IntermediateSize}"), ("query_heads", $"{c.Heads}"), ("key_value_heads", $"{c.KvHeads}"), ("head_dim", $"{c.HeadDim}"),
            ("vocabulary", $"{c.VocabSize}"), ("parameters", $"{model.ParameterCount}"), ("dtype", $"{model.DType}"), ("weight_bytes", $"{model.WeightBytes}"),
            ("device", $"{model.Device}"), ("tokenizer", model.Tokenizer is null ? "none (give --tokenizer)" : $"{model.Tokenizer.VocabSize} tokens"),
            ("chat_template", model.Tokenizer?.Chat is null ? "no" : "yes"), ("load_seconds", clock.Elapsed.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)),
        };
        var csv = run.Save("llm-info.csv", path => ResultFiles.WriteCsv(new DataFrame(new StringDataFrameColumn("field", rows.Select(r => r.Field)),
            new StringDataFrameColumn("value", rows.Select(r => r.Value))), path));
        return new CliResult([csv], $"Language model: {c.ModelType}, {c.Layers} layers, width {c.HiddenSize}, {c.Heads} query heads / {c.KvHeads} key-value heads " +
                                    $"of {c.HeadDim}, {model.ParameterCount:N0} parameters in {model.DType} ({model.WeightBytes / (1024.0 * 1024.0):0.0} MiB), " +
                                    $"loaded in {ReportFormat.Duration(clock.Elapsed)}" + (model.Tokenizer is null ? "; no tokenizer (give --tokenizer)." : "."));
    }
}
