using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// Base of every LatentLab magic command. .NET Interactive binds the options into the subclass's properties
/// (<c>--train-horizon 50</c> -> <c>TrainHorizon = 50</c>); this base then checks each value against its
/// <see cref="CommandOption"/> (ranges, choices, variable names), so a bad value fails with DNI211 and a message
/// naming the option, the value and what is allowed, before the handler runs.
/// </summary>
public abstract class LatentLabCommand : KernelDirectiveCommand
{
    /// <summary>Called by .NET Interactive's parser (composite kernels); the first message is shown to the user.</summary>
    public sealed override IEnumerable<string> GetValidationErrors(CompositeKernel kernel) =>
        Validate().Select(message => $"{CommandDefinition.For(GetType())?.Name}: {message}");

    /// <summary>Every problem with the bound options, one readable message each; empty when the command can run.</summary>
    public IEnumerable<string> Validate()
    {
        var definition = CommandDefinition.For(GetType()) ?? throw new InvalidOperationException(
            $"{GetType().Name} has no CommandDefinition; create one with CommandDefinition.Create<{GetType().Name}>(...).");
        foreach (var option in definition.Options)
        {
            if (OptionValidation.Check(option, definition.PropertyOf(option).GetValue(this)) is { } message)
            {
                yield return message;
            }
        }
        foreach (var message in ValidateCombination())
        {
            yield return message;
        }
    }

    /// <summary>Rules that involve several options (e.g. "--model or --load, not both"); one message per problem.</summary>
    protected virtual IEnumerable<string> ValidateCombination() => [];
}
