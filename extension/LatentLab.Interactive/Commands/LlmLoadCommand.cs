using LatentLab.Interactive.Formatting;
using LatentLab.LanguageModels;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary><c>#!llm-load</c>: loads a Hugging Face checkpoint folder as a <see cref="LanguageModel"/> (with its tokenizer), shows a card, binds it to <c>--out</c>.</summary>
public sealed class LlmLoadCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<LlmLoadCommand>(
        name: "#!llm-load",
        description: "Loads a Hugging Face decoder checkpoint (Qwen2, Qwen3, Llama 3.x, Gemma2, Gemma3 text) from a folder, tensor by tensor from " +
                     "memory-mapped safetensors, with its tokenizer and chat template. Shows architecture, parameters, layers, dtype and memory.",
        example: "#!llm-load --model /models/Qwen3-0.6B --dtype float32 --device auto --out llm",
        handleAsync: HandleAsync,
        inputs: [typeof(LanguageModelSource)],
        defaultOut: "llm");

    static async Task HandleAsync(LlmLoadCommand cmd, KernelInvocationContext ctx)
    {
        var source = cmd.Get<LanguageModelSource>();
        var device = TorchRuntime.ResolveDevice(cmd.DeviceName);
        if (source.Model is null)
            throw new CommandException("--model is required: the checkpoint folder (config.json, model.safetensors, tokenizer.json), " +
                                       "e.g. #!llm-load --model /models/Qwen3-0.6B --out llm.");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var model = await Task.Run(() => source.Load(device));
        ctx.Display(LlmView.Card(model, watch.Elapsed), "text/html", "text/plain");
        await ResultBinding.BindAsync(ctx, cmd.OutName, model);
    }
}
