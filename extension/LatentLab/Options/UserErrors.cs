using System.Reflection;
using LatentLab.Torch;

namespace LatentLab.Options;

/// <summary>
/// Which exceptions are the user's to fix (their message is written for them and is shown alone, without a stack trace)
/// and which are LatentLab bugs: one rule for every front end (notebook, console).
/// </summary>
public static class UserErrors
{
    /// <summary>
    /// True for problems the user can fix: bad arguments and options, files, data, TorchSharp setup, and LatentLab's own
    /// exception types (any type in a LatentLab namespace).
    /// </summary>
    public static bool IsUserError(Exception e) =>
        e is ArgumentException or IOException or InvalidDataException or FormatException or UnauthorizedAccessException
            or NotSupportedException or TorchSetupException
        || (e.GetType().Namespace?.StartsWith("LatentLab", StringComparison.Ordinal) ?? false);

    /// <summary>
    /// The message a user sees: <paramref name="e"/>'s own, without the " (Parameter 'options')" that .NET appends to an
    /// <see cref="ArgumentException"/> naming a C# parameter the user never wrote (the message names the option itself).
    /// </summary>
    public static string MessageOf(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = e.Message;
        if (e is ArgumentException { ParamName: { Length: > 0 } name })
        {
            var suffix = $" (Parameter '{name}')";
            int at = message.LastIndexOf(suffix, StringComparison.Ordinal);
            if (at >= 0) message = message.Remove(at, suffix.Length);
        }
        return message;
    }

    /// <summary>The exception that says what happened: through single-inner aggregates, reflection and type initializers.</summary>
    public static Exception Unwrap(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Unwrap(a.InnerExceptions[0]),
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        TypeInitializationException { InnerException: { } inner } => Unwrap(inner),
        _ => e,
    };
}
