namespace LatentLab.Hosts.Tests.Infrastructure;

/// <summary>What a finished child process left behind.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>The command, its exit code and the tail of both streams: enough to see why it failed.</summary>
    public string Describe(int tailChars = 4000) =>
        $"`{Command}` exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s\n" +
        $"--- stdout (tail) ---\n{Tail(StandardOutput, tailChars)}\n--- stderr (tail) ---\n{Tail(StandardError, tailChars)}";

    private static string Tail(string text, int chars) => text.Length <= chars ? text : "..." + text[^chars..];
}
