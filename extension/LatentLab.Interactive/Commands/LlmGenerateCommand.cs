using LatentLab.Interactive.Formatting;
using LatentLab.LanguageModels;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary><c>#!llm-generate</c>: a prompt in, the model's text out (greedy or seeded sampling), bound as a <see cref="GenerationResult"/>.</summary>
public sealed class LlmGenerateCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<LlmGenerateCommand>(
        name: "#!llm-generate",
        description: "Generates a reply of a loaded language model to a prompt (as a chat user message, or --raw), greedy at --temperature 0 " +
                     "or sampled with --temperature/--top-p/--seed, stopping at EOS, a --stop string or --max-new-tokens.",
        example: "#!llm-generate --model llm --prompt \"What is 2 + 2?\" --max-new-tokens 64 --out reply",
        handleAsync: HandleAsync,
        options: typeof(GenerationOptions),
        inputs: [typeof(LlmGenerateInputs), typeof(GenerationPrompt)],
        defaultOut: "reply");

    static async Task HandleAsync(LlmGenerateCommand cmd, KernelInvocationContext ctx)
    {
        var options = cmd.Options<GenerationOptions>(ctx);
        var inputs = cmd.Get<LlmGenerateInputs>();
        var prompt = cmd.Get<GenerationPrompt>();
        if (string.IsNullOrEmpty(prompt.Prompt)) throw new CommandException("--prompt is required: the text the model answers, e.g. --prompt \"What is 2 + 2?\".");
        var model = LlmModelVariable.Resolve(ctx, inputs.Model);
        var tokenizer = model.Tokenizer!;
        var ids = prompt.Encode(tokenizer);
        var result = await Task.Run(() => TextGenerator.Generate(model, tokenizer, ids, options, null, false, ctx.CancellationToken));
        ctx.Display(LlmView.Reply(result), "text/html", "text/plain");
        await ResultBinding.BindAsync(ctx, cmd.OutName, result);
    }
}
