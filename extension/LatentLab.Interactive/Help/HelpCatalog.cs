using LatentLab.Interactive.Commands;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Directives;

namespace LatentLab.Interactive.Help;

/// <summary>
/// Reads the LatentLab commands back from the directives registered on a kernel (and its subkernels): names,
/// descriptions, parameters and their completions come from the directives .NET Interactive actually parses with;
/// defaults, ranges and the example come from the <see cref="CommandDefinition"/> that built each directive.
/// A command added to <see cref="LatentLabCommands.All"/> therefore appears in help with no further step.
/// </summary>
public static class HelpCatalog
{
    /// <summary>Every LatentLab command registered on <paramref name="kernel"/> or its subkernels, in registration order.</summary>
    public static async Task<IReadOnlyList<CommandHelp>> CollectAsync(Kernel kernel)
    {
        var directives = new List<KernelActionDirective>();
        kernel.VisitSubkernelsAndSelf(k => directives.AddRange(k.KernelInfo.SupportedDirectives.OfType<KernelActionDirective>()));

        var commands = new List<CommandHelp>();
        foreach (var directive in directives)
        {
            if (CommandDefinition.For(directive) is not { } definition || commands.Any(c => c.Name == directive.Name))
            {
                continue;
            }
            var options = new List<OptionHelp>();
            foreach (var parameter in directive.Parameters)
            {
                var option = definition.Option(parameter.Name);
                var completions = (await parameter.GetValueCompletionsAsync()).Select(c => c.DisplayText).ToArray();
                var allowed = completions.Length > 0
                    ? (option?.IsList == true ? "comma-separated list of " + string.Join(", ", completions) : string.Join(" | ", completions))
                    : option?.AllowedText;
                options.Add(new OptionHelp(parameter.Name, parameter.Description ?? "", parameter.TypeHint ?? "text",
                    option?.Default, allowed, parameter.Required, parameter.Flag));
            }
            commands.Add(new CommandHelp(directive.Name, directive.Description ?? "", definition.Example, options));
        }
        return commands;
    }
}
