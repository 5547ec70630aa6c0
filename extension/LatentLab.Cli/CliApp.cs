using LatentLab.Options;
using System.CommandLine;
using System.Reflection;
using LatentLab.Torch;
using LatentLab.Cli.Output;

namespace LatentLab.Cli;

/// <summary>
/// <c>latentlab</c>: parses the line with System.CommandLine (options built from the knobs), runs the command and maps
/// what happened to an exit code scripts can trust (<see cref="ExitCodes"/>): bad input gets its message on stderr
/// without a stack trace; an interrupt writes the partial result where the command has one.
/// </summary>
public static class CliApp
{
    /// <summary>Runs <c>latentlab</c> with <paramref name="args"/> (over <paramref name="commands"/>, default <see cref="CliCommands.All"/>); never throws.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken,
        bool errorIsTerminal = false, IReadOnlyList<CliCommand>? commands = null)
    {
        var root = new RootCommand("latentlab: LatentLab's experiments from a terminal, with the options of the notebook's magic commands. " +
                                   "Results are written as files into --out-dir; exit codes: 0 ok, 2 bad input, 130 interrupted, 3 a sweep with failed points, 1 a bug.");
        foreach (var command in commands ?? CliCommands.All)
        {
            var symbol = command.ToCommand();
            symbol.SetAction((parse, _) => RunCommandAsync(command, parse, output, error, errorIsTerminal, cancellationToken));
            root.Subcommands.Add(symbol);
        }
        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (Exception e)
        {
            await error.WriteLineAsync($"latentlab failed while reading the command line: {e}").ConfigureAwait(false);
            return ExitCodes.Bug;
        }
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors) await error.WriteLineAsync($"latentlab: {problem.Message}").ConfigureAwait(false);
            var name = parse.CommandResult.Command is { } c && c != root ? " " + c.Name : "";
            await error.WriteLineAsync($"Run latentlab{name} --help for the options.").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
            CancellationToken.None).ConfigureAwait(false);
    }

    static async Task<int> RunCommandAsync(CliCommand command, ParseResult parse, TextWriter output, TextWriter error, bool errorIsTerminal,
        CancellationToken cancellationToken)
    {
        try
        {
            var run = new CliRun(command, parse, output, error, errorIsTerminal, cancellationToken);
            run.CheckOutputs();
            var result = await command.Run(run).ConfigureAwait(false);
            if (run.Knobs.SummaryFile is { } summaryFile) run.SaveSummary(summaryFile, path => SummaryFile.Write(path, command, result));
            await output.WriteLineAsync(result.Summary).ConfigureAwait(false);
            foreach (var file in result.Files) await output.WriteLineAsync($"  wrote {file}").ConfigureAwait(false);
            if (result.Partial || cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync($"latentlab {command.Name}: interrupted; " + (result.Partial
                    ? "the files above hold the partial result (marked partial)."
                    : "the run had finished; its files are complete.")).ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }
            if (run.Rescued.Count > 0)
            {
                await error.WriteLineAsync($"latentlab {command.Name}: {run.Rescued.Count} of the result files could not be written where asked; " +
                    $"they are in {Path.GetDirectoryName(run.Rescued[0])}. Move them where you want them, and give a writable --out-dir (and --summary) next time.").ConfigureAwait(false);
                return ExitCodes.BadInput;
            }
            if (result.ExitCode is { } code && code != ExitCodes.Ok)
            {
                if (result.Problem is { } problem) await error.WriteLineAsync($"latentlab {command.Name}: {problem}").ConfigureAwait(false);
                return code;
            }
            return ExitCodes.Ok;
        }
        catch (Exception e) when (Unwrap(e) is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"latentlab {command.Name}: interrupted before there was a result to keep; nothing was written.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (IsUserError(Unwrap(e)))
        {
            await error.WriteLineAsync($"latentlab {command.Name}: {UserErrors.MessageOf(Unwrap(e))}").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            await error.WriteLineAsync($"latentlab {command.Name} failed: this is a LatentLab bug; please report it with the command line.{Environment.NewLine}{e}")
                .ConfigureAwait(false);
            return ExitCodes.Bug;
        }
    }

    /// <summary>Problems the user can fix, whose message is written for them (the notebook's rule, CommandRunner.IsUserError).</summary>
    public static bool IsUserError(Exception e) => UserErrors.IsUserError(e);

    static Exception Unwrap(Exception e) => UserErrors.Unwrap(e);
}
