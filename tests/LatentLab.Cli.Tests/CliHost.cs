using LatentLab.Cli;

namespace LatentLab.Cli.Tests;

/// <summary>Runs <c>latentlab</c> in this process with captured stdout and stderr, and makes temporary output folders.</summary>
public static class CliHost
{
    /// <summary>The exit code, stdout and stderr of <c>latentlab args</c>.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => await RunAsync(CancellationToken.None, args);

    /// <summary>As <see cref="RunAsync(string[])"/>, with an interrupt token.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(CancellationToken token, params string[] args) =>
        await RunAsync(token, null, args);

    /// <summary>As <see cref="RunAsync(string[])"/>, over other commands (e.g. one that fails like a bug would).</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(CancellationToken token, IReadOnlyList<CliCommand>? commands, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, token, commands: commands);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A new empty folder under the temp folder.</summary>
    public static string TempFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), "latentlab-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// <paramref name="frame"/> (the direct science call's result) as the tool writes CSV, beside <paramref name="file"/>'s text:
    /// equal text means every number is equal as written.
    /// </summary>
    public static (string Expected, string Actual) SameCsv(Microsoft.Data.Analysis.DataFrame frame, string file)
    {
        var path = Path.Combine(TempFolder(), "expected.csv");
        LatentLab.Cli.Output.ResultFiles.WriteCsv(frame, path);
        return (File.ReadAllText(path), File.ReadAllText(file));
    }

    /// <summary>All whitespace runs as one space (help wraps long lines).</summary>
    public static string Flat(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
