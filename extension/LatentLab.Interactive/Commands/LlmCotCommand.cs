using LatentLab.Activations;
using LatentLab.Interactive.Formatting;
using LatentLab.LanguageModels;
using LatentLab.Reports;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// <c>#!llm-cot</c>: records chains of thought of a loaded model on a question file (<see cref="CotRecorder"/>) into a folder,
/// and binds the activation set to <c>--out</c> for <c>#!probe-sweep --activations acts</c>. An interrupt keeps (and binds)
/// every question done; the same command again resumes from the folder.
/// </summary>
public sealed class LlmCotCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<LlmCotCommand>(
        name: "#!llm-cot",
        description: "Asks a loaded language model every multiple-choice question of a .jsonl file as a chat, lets it write a chain of thought, " +
                     "parses its final answer letter, and records at every generated token the residual stream of every layer (or --layers) " +
                     "and the log-probability of each answer letter, streamed to disk (float16) one question at a time: an ActivationSet " +
                     "for #!probe-sweep (labels = the model's answers; gold, correctness and chain lengths beside). Interrupt keeps what is done; " +
                     "the same command again resumes.",
        example: "#!llm-cot --model llm --questions questions.jsonl --max-new-tokens 256 --layers all --out acts --save cot-run",
        handleAsync: HandleAsync,
        options: typeof(CotRecorderOptions),
        inputs: [typeof(LlmCotInputs), typeof(CotQuestionSource), typeof(GenerationOptions)],
        defaultOut: "acts");

    static async Task HandleAsync(LlmCotCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<CotRecorderOptions>(ctx);
        var generation = cmd.Get<GenerationOptions>();
        var inputs = cmd.Get<LlmCotInputs>();
        var source = cmd.Get<CotQuestionSource>();
        if (string.IsNullOrWhiteSpace(source.Questions))
            throw new CommandException("--questions is required: a .jsonl file with one question a line, " +
                                       "{\"question\": \"...\", \"options\": [\"...\", \"...\"], \"answer\": \"A\"}.");
        var model = LlmModelVariable.Resolve(ctx, inputs.Model);
        var questions = source.Read();
        var folder = inputs.Save ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source.Questions))!, $"cot-{cmd.OutName}");
        int total = options.Limit > 0 ? Math.Min(options.Limit, questions.Count) : questions.Count;
        var panel = new RunPanel($"Recording chains of thought: {total} questions, at most {generation.MaxNewTokens} tokens each, into {folder}", chart: false);
        var progress = LivePanel.Start(ctx, cmd, panel, TimeSpan.FromSeconds(1),
            interrupted: $"Interrupted: {cmd.OutName} will hold the questions recorded so far; run the same command again to resume from {folder}.");
        var recording = await Task.Run(() => CotRecorder.Record(model, questions, folder, options, generation,
            progress.For<CotRecorderProgress>(p => p.ToRunProgress()), ctx.CancellationToken));
        progress.Complete();
        ctx.Display(LlmView.Recording(recording), "text/html", "text/plain");
        if (recording.Activations is { } set) await ResultBinding.BindAsync<ActivationSet>(ctx, cmd.OutName, set);
        else if (!recording.Interrupted)
            throw new CommandException($"{cmd.OutName} was not bound: {recording.Note} The records are in {Path.Combine(folder, "records.jsonl")}.");
    }
}
