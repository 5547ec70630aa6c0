using LatentLab.Interactive.Help;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary><c>#!latentlab</c>: versions, devices, threads, and every LatentLab command with its options and an example.</summary>
public sealed class LatentLabHelpCommand : LatentLabCommand
{
    public static CommandDefinition Definition { get; } = CommandDefinition.Create<LatentLabHelpCommand>(
        name: "#!latentlab",
        description: "Shows LatentLab's versions (LatentLab, TorchSharp, libtorch), the compute devices and torch threads, " +
                     "and every LatentLab magic command with its options, defaults, allowed values and an example.",
        example: "#!latentlab",
        handleAsync: HandleAsync,
        device: false);

    static async Task HandleAsync(LatentLabHelpCommand command, KernelInvocationContext context)
    {
        var kernel = context.HandlingKernel?.RootKernel ?? throw new CommandException("#!latentlab needs a kernel to read the commands from.");
        var commands = await HelpCatalog.CollectAsync(kernel);
        context.Display(HelpPage.Render(EnvironmentStatus.Probe(), commands), "text/html", "text/plain");
    }
}
