using LatentLab.Cli.Output;
using LatentLab.LanguageModels;
using LatentLab.Reports;
using Microsoft.Data.Analysis;

namespace LatentLab.Cli.Commands;

/// <summary>
/// <c>latentlab llm-generate</c>: <see cref="TextGenerator.Generate(LanguageModel, LanguageModelTokenizer, IReadOnlyList{int}, GenerationOptions, Action{LanguageModelOutput, int}?, bool, CancellationToken)"/>
/// with the records of <c>#!llm-generate</c> (<see cref="GenerationOptions"/>, <see cref="GenerationPrompt"/>), the model loaded
/// from <c>--model FOLDER</c> (<see cref="LanguageModelSource"/>). An interrupt keeps the tokens generated so far.
/// </summary>
public static class LlmGenerateCli
{
    /// <summary>The command.</summary>
    public static CliCommand Command { get; } = new(
        name: "llm-generate",
        description: "Loads a checkpoint folder and generates its reply to a prompt (as a chat user message, or --raw), greedy at --temperature 0 " +
                     "or sampled with --temperature/--top-p/--seed, stopping at EOS, a --stop string or --max-new-tokens. Writes reply.txt (the " +
                     "text) and reply.csv (one row per generated token: position, token id, its text; and the stop reason).",
        example: "latentlab llm-generate --model /models/Qwen3-0.6B --prompt \"What is 2 + 2?\" --max-new-tokens 64 --out-dir runs/llm",
        options: typeof(GenerationOptions),
        inputs: [typeof(LanguageModelSource), typeof(GenerationPrompt)],
        run: RunAsync);

    static async Task<CliResult> RunAsync(CliRun run)
    {
        var options = run.Get<GenerationOptions>();
        var prompt = run.Get<GenerationPrompt>();
        if (string.IsNullOrEmpty(prompt.Prompt)) throw new ArgumentException(GenerationPrompt.Missing);   // before the model is loaded
        var source = run.Get<LanguageModelSource>();
        var device = run.Device;
        using var model = await Task.Run(() => source.Load(device, needTokenizer: true));
        var tokenizer = model.Tokenizer!;
        var ids = prompt.Encode(tokenizer);
        var result = await Task.Run(() => TextGenerator.Generate(model, tokenizer, ids, options, null, false, run.CancellationToken));
        var text = run.Save("reply.txt", path => ResultFiles.Atomically(path, temp => File.WriteAllText(temp, result.Text)));
        var tokens = new DataFrame(
            new Int32DataFrameColumn("position", Enumerable.Range(0, result.Tokens.Count)),
            new Int32DataFrameColumn("token_id", result.Tokens),
            new StringDataFrameColumn("text", result.Tokens.Select(t => tokenizer.Decode([t]))),
            new StringDataFrameColumn("stop_reason", result.Tokens.Select(_ => result.StopReason.ToString())));
        var csv = run.Save("reply.csv", path => ResultFiles.WriteCsv(tokens, path));
        return new CliResult([text, csv], $"Generated {result.Tokens.Count} tokens in {ReportFormat.Duration(result.Elapsed)} " +
                                          $"({ReportFormat.Number(result.TokensPerSecond, "0.0")} tokens/s), stopped by {result.StopReason}.",
            result.StopReason == GenerationStopReason.Cancelled);
    }
}
