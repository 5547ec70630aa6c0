using LatentLab.Options;
using System.Reflection;
using LatentLab.Torch;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// Runs a command's handler so that nothing a user does kills the kernel: options are checked again (kernels that are
/// not composite skip the parser's check), an interrupt ends the command with "interrupted", and any exception becomes
/// one CommandFailed message without a stack trace. Problems the user can fix (bad value, missing file, no GPU) show
/// their own message; anything else is labelled as a LatentLab bug.
/// </summary>
public static class CommandRunner
{
    public static async Task RunAsync<TCommand>(
        CommandDefinition definition,
        TCommand command,
        KernelInvocationContext context,
        Func<TCommand, KernelInvocationContext, Task> handleAsync)
        where TCommand : LatentLabCommand
    {
        if (command.Validate().FirstOrDefault() is { } invalid)
        {
            context.Fail(command, null, $"{definition.Name}: {invalid}");
            return;
        }
        try
        {
            // Tracked so that a cell run right after an interrupt waits for the partial result this command still binds.
            await PendingResults.Track(handleAsync(command, context));
            if (context.CancellationToken.IsCancellationRequested) Hosting.InterruptTrace.Mark($"{definition.Name}: handler returned after the interrupt");
        }
        catch (Exception e)
        {
            // A user's mistake gets its message alone; only a LatentLab bug carries the exception (and its stack trace).
            var expected = IsUserError(Unwrap(e)) || Unwrap(e) is OperationCanceledException or ObjectDisposedException
                           || context.CancellationToken.IsCancellationRequested;
            var message = Unwrap(e) is ObjectDisposedException disposed && !IsUserError(disposed)
                ? DescribeDisposed(definition, command, disposed)
                : Describe(definition.Name, e, context.CancellationToken);
            context.Fail(command, expected ? null : e, message);
        }
    }

    /// <summary>The one-paragraph message a user sees when <paramref name="commandName"/> failed with <paramref name="exception"/>.</summary>
    public static string Describe(string commandName, Exception exception, CancellationToken cancellationToken = default)
    {
        var e = Unwrap(exception);
        if (e is OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            return $"{commandName} was interrupted; nothing was bound or saved by it. Run the cell again to restart.";
        }
        return IsUserError(e)
            ? $"{commandName}: {UserErrors.MessageOf(e)}"
            : $"{commandName} failed: {e.GetType().Name}: {e.Message} (this is a LatentLab bug; please report it with the cell that caused it).";
    }

    /// <summary>
    /// A TorchSharp object (a tensor, a module) that a variable holds was used after it was disposed: name the variables the
    /// command read and how to get them back, instead of TorchSharp's "Cannot access a disposed object".
    /// </summary>
    static string DescribeDisposed<TCommand>(CommandDefinition definition, TCommand command, ObjectDisposedException e) where TCommand : LatentLabCommand
    {
        var variables = definition.LineValues(command)
            .Where(v => v.Text is not null && (v.Option.Knob.Attribute.Identifier || v.Option.TypeHint.Contains("variable", StringComparison.Ordinal)))
            .Select(v => $"{v.Option.Name} {v.Text}").ToList();
        var which = variables.Count == 0 ? "an object it was given" : $"the variable given with {string.Join(" or ", variables)}";
        var what = string.IsNullOrEmpty(e.ObjectName) ? "" : $" (a {e.ObjectName} inside it)";
        return $"{definition.Name}: {which} has been disposed{what}: Dispose() or the end of a using block freed its tensors, so it cannot be used any more. " +
               "Recreate it (run the cell that created it again, or load it from its file) and dispose it only when you are done with it.";
    }

    /// <summary>
    /// True for problems the user can fix, whose message is written for them: bad arguments, files, data, TorchSharp setup,
    /// and LatentLab's own exception types.
    /// </summary>
    public static bool IsUserError(Exception e) => UserErrors.IsUserError(e);

    static Exception Unwrap(Exception e) => UserErrors.Unwrap(e);
}
