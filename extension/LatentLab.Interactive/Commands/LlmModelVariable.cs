using LatentLab.LanguageModels;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>The <see cref="LanguageModel"/> a <c>--model</c> option names (bound by <c>#!llm-load</c>), with a tokenizer.</summary>
public static class LlmModelVariable
{
    public static LanguageModel Resolve(KernelInvocationContext context, string name)
    {
        var model = ResultBinding.GetVariable<LanguageModel>(context, "--model", name,
            missing: $"--model {name}: there is no variable '{name}'. Load a checkpoint first: #!llm-load --model /path/to/checkpoint --out {name}.",
            recreate: RecreateHint(context, name));
        if (model.Tokenizer is null)
            throw new CommandException($"--model {name}: the model from '{model.Folder}' has no tokenizer (its folder has no tokenizer.json). " +
                                       $"Load it again with #!llm-load --model {model.Folder} --tokenizer <folder with tokenizer.json> --out {name}.");
        return model;
    }

    /// <summary>How to load the model a variable held again: its folder when the disposed model still knows it.</summary>
    static string RecreateHint(KernelInvocationContext context, string name)
    {
        var folder = ResultBinding.TryPeek<LanguageModel>(context, name)?.Folder;
        return string.IsNullOrEmpty(folder)
            ? $"load the checkpoint again with #!llm-load --model /path/to/checkpoint --out {name}"
            : $"load it again with #!llm-load --model \"{folder}\" --out {name}";
    }
}
