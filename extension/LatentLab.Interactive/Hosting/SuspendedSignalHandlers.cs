using System.Collections;
using System.Reflection;
using System.Runtime.InteropServices;

namespace LatentLab.Interactive.Hosting;

/// <summary>
/// The handlers of one POSIX signal that other code in the process registered, set aside while LatentLab owns the
/// signal and put back by <see cref="Dispose"/>.
/// <para>
/// Why: the .NET 10 runtime (10.0.x, checked in dotnet-interactive 1.0.712001 on 10.0.12) calls every handler registered
/// for a signal, even after one set <see cref="PosixSignalContext.Cancel"/>. Jupyter's .NET kernel is a generic host whose
/// <c>ConsoleLifetime</c> registered SIGINT at start-up and stops the application on it ("Application is shutting
/// down..."), so cancelling the signal in our own handler cancels the cell and the kernel still exits. There is no public
/// way to unregister a handler one does not own: this reads the runtime's registration table
/// (<c>PosixSignalRegistration.s_registrations</c>, signal number to a list of tokens with a <c>Signal</c> and a
/// <c>Handler</c>) by reflection, under the lock the runtime itself takes on it. If the table is not shaped that way
/// (another runtime), nothing is touched and <see cref="Problem"/> says so.
/// </para>
/// </summary>
public sealed class SuspendedSignalHandlers : IDisposable
{
    private readonly object? _table;
    private readonly IList? _tokens;
    private readonly List<object> _suspended;
    private bool _disposed;

    private SuspendedSignalHandlers(object? table, IList? tokens, List<object> suspended, IReadOnlyList<string> names, string? problem)
    {
        _table = table;
        _tokens = tokens;
        _suspended = suspended;
        Names = names;
        Problem = problem;
    }

    /// <summary>The handlers set aside, as <c>Type.Method</c> (e.g. <c>Microsoft.Extensions.Hosting.Internal.ConsoleLifetime.HandlePosixSignal</c>).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Why nothing could be set aside (the runtime's table is not shaped as expected), or null.</summary>
    public string? Problem { get; }

    /// <summary>
    /// Sets aside every handler of <paramref name="signal"/> for which <paramref name="keep"/> is false. Call it after
    /// registering your own handler, so the signal stays enabled in the runtime while the others are away.
    /// </summary>
    public static SuspendedSignalHandlers Suspend(PosixSignal signal, Func<Delegate, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var field = typeof(PosixSignalRegistration).GetField("s_registrations", BindingFlags.Static | BindingFlags.NonPublic);
        if (field?.GetValue(null) is not IDictionary table)
        {
            return Unchanged("this runtime has no PosixSignalRegistration.s_registrations table");
        }

        lock (table)
        {
            foreach (var entry in table.Values)
            {
                if (entry is not IList tokens)
                {
                    return Unchanged($"PosixSignalRegistration.s_registrations holds {entry?.GetType().Name ?? "null"}, not a list of tokens");
                }
                var signals = tokens.Cast<object>().Select(SignalOf).ToList();
                if (signals.Contains(null))
                {
                    return Unchanged("a PosixSignalRegistration token has no Signal");
                }
                if (!signals.Contains(signal))
                {
                    continue;
                }

                var suspended = new List<object>();
                var names = new List<string>();
                for (var i = tokens.Count - 1; i >= 0; i--)
                {
                    var token = tokens[i]!;
                    if (HandlerOf(token) is not { } handler)
                    {
                        return Unchanged("a PosixSignalRegistration token has no Handler");
                    }
                    if (keep(handler))
                    {
                        continue;
                    }
                    suspended.Insert(0, token);
                    names.Insert(0, $"{handler.Method.DeclaringType?.FullName}.{handler.Method.Name}");
                }
                foreach (var token in suspended)
                {
                    tokens.Remove(token);
                }
                return new SuspendedSignalHandlers(table, tokens, suspended, names, null);
            }
        }
        return Unchanged(null); // nobody else handles the signal
    }

    /// <summary>Puts the handlers back, in front of any registered since (the order they had).</summary>
    public void Dispose()
    {
        if (_disposed || _table is null || _tokens is null)
        {
            return;
        }
        _disposed = true;
        lock (_table)
        {
            for (var i = 0; i < _suspended.Count; i++)
            {
                _tokens.Insert(i, _suspended[i]);
            }
        }
    }

    private static SuspendedSignalHandlers Unchanged(string? problem) => new(null, null, [], [], problem);

    private static PosixSignal? SignalOf(object token) =>
        token.GetType().GetProperty("Signal", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(token) as PosixSignal?;

    private static Delegate? HandlerOf(object token) =>
        token.GetType().GetProperty("Handler", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(token) as Delegate;
}
