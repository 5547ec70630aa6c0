using System.CommandLine;
using LatentLab.Cli.Progress;
using LatentLab.Options;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Cli;

/// <summary>
/// One invocation of a command: the records read from the line (and <c>--options FILE</c>), each checked by its schema,
/// the output folder, the device, the progress display, the writers and the interrupt token.
/// </summary>
public sealed class CliRun
{
    readonly CliCommand _command;
    readonly ParseResult _parse;
    readonly Dictionary<Type, object> _records = [];

    internal CliRun(CliCommand command, ParseResult parse, TextWriter output, TextWriter error, bool errorIsTerminal, CancellationToken cancellationToken)
    {
        _command = command;
        _parse = parse;
        Output = output;
        Error = error;
        CancellationToken = cancellationToken;
        Knobs = Get<CliKnobs>();
        Progress = ProgressDisplay.Create(Knobs.Progress, error, errorIsTerminal);
    }

    /// <summary>The shared knobs (out-dir, device, options file, progress).</summary>
    public CliKnobs Knobs { get; }

    /// <summary>Where results go (stdout): the summary and the files written.</summary>
    public TextWriter Output { get; }

    /// <summary>Where messages and progress go (stderr).</summary>
    public TextWriter Error { get; }

    /// <summary>Fires on Ctrl-C / SIGINT / SIGTERM.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The progress display chosen by <c>--progress</c>.</summary>
    public ProgressDisplay Progress { get; }

    /// <summary>The device of <c>--device</c>.</summary>
    public torch.Device Device => TorchRuntime.ResolveDevice(Knobs.Device);

    /// <summary>
    /// The record <typeparamref name="T"/>: defaults, then (for the science record) the <c>--options</c> file, then the flags
    /// on the line; checked with its schema (an <see cref="OptionsException"/> lists every problem).
    /// </summary>
    public T Get<T>() where T : class
    {
        if (_records.TryGetValue(typeof(T), out var cached)) return (T)cached;
        var schema = _command.Schemas.FirstOrDefault(s => s.RecordType == typeof(T))
            ?? throw new InvalidOperationException($"latentlab {_command.Name} has no options of type {typeof(T).Name}.");
        var record = (T)schema.Defaults;
        var line = Line(schema);
        if (typeof(T) == _command.OptionsType && _records.GetValueOrDefault(typeof(CliKnobs)) is CliKnobs { OptionsFile: { } file })
        {
            try
            {
                record = schema.With(record, OptionsFile.Read(file, schema));
            }
            catch (ArgumentException e) when (e is not OptionsException)
            {
                throw new ArgumentException($"--options {file}: {LatentLab.Options.UserErrors.MessageOf(e)}", e);
            }
            // A value out of range in the file (and not overridden on the line) is the file's to fix: its message names the file.
            record = OptionSchema.Check(schema.With(record, line), $"--options {file}", line.Select(v => v.Key));
        }
        else
        {
            record = OptionSchema.Check(schema.With(record, line));
        }
        _records[typeof(T)] = record;
        return record;
    }

    /// <summary>
    /// The flags of <paramref name="schema"/> given on the line, as (flag, text; null for a switch), for a record the command
    /// builds itself (e.g. GRPO's options from the PPO flags it shares).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Line(OptionSchema schema) => _command.Options.Where(o => o.Schema == schema)
        .Select(o => o.TryGetText(_parse, out var text) ? new KeyValuePair<string, string?>(o.Flag, text) : (KeyValuePair<string, string?>?)null)
        .OfType<KeyValuePair<string, string?>>().ToList();

    /// <summary>
    /// The flags of record <typeparamref name="T"/> given on the line applied over <paramref name="start"/> (not its defaults),
    /// checked: e.g. the environment knobs over a loaded reference's own environment.
    /// </summary>
    public T Read<T>(T start) where T : class
    {
        var schema = _command.Schemas.FirstOrDefault(s => s.RecordType == typeof(T))
            ?? throw new InvalidOperationException($"latentlab {_command.Name} has no options of type {typeof(T).Name}.");
        return OptionSchema.Check(schema.With(start, Line(schema)));
    }

    /// <summary>
    /// Refuses, before the run computes anything, an <c>--out-dir</c> that can never hold files (it is a file, or lies under
    /// one) and a <c>--summary</c> that is a folder: the message names the option and the fix, and no finished run is lost to it.
    /// </summary>
    internal void CheckOutputs()
    {
        var folder = Path.GetFullPath(Knobs.OutDir);
        if (File.Exists(folder))
            throw new ArgumentException($"--out-dir {Knobs.OutDir} is a file; give a folder for the result files (it is created when missing), e.g. --out-dir {Knobs.OutDir}-results.");
        for (var dir = Path.GetDirectoryName(folder); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
                throw new ArgumentException($"--out-dir {Knobs.OutDir} lies under {dir}, which is a file, so the folder cannot be created; give a folder elsewhere.");
        }
        if (Knobs.SummaryFile is { } summary && Directory.Exists(summary))
            throw new ArgumentException($"--summary {summary} is a folder; give the path of the JSON file to write, e.g. --summary {Path.Combine(summary, "summary.json")}.");
    }

    /// <summary>Files written outside <c>--out-dir</c> because it could not take them (see <see cref="OutPath"/>).</summary>
    public IReadOnlyList<string> Rescued => _rescued;
    readonly List<string> _rescued = [];
    string? _rescueFolder;

    /// <summary>
    /// The full path of <paramref name="fileName"/> in <c>--out-dir</c> (the folder is created). Called once the result is
    /// computed: when the folder cannot be created or the name is taken by a folder, the file goes to a rescue folder in the
    /// temp directory instead (said on stderr; the run then exits with 2), so a finished result is never lost to its path.
    /// </summary>
    public string OutPath(string fileName)
    {
        var folder = Path.GetFullPath(Knobs.OutDir);
        string? problem = null;
        try
        {
            Directory.CreateDirectory(folder);
            if (Directory.Exists(Path.Combine(folder, fileName))) problem = $"{Path.Combine(folder, fileName)} is a folder";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            problem = e.Message;
        }
        return problem is null ? Path.Combine(folder, fileName) : Rescue(fileName, $"--out-dir {Knobs.OutDir}", problem);
    }

    /// <summary>
    /// Writes <paramref name="fileName"/> with <paramref name="write"/> (given the path to fill) into <c>--out-dir</c>
    /// (<see cref="OutPath"/>) and returns the path written. A write that fails part way (disk full, file too large, permission
    /// taken away: an <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>) is done again in the rescue folder,
    /// as for a path that cannot be written, said on stderr, so the finished result is kept.
    /// </summary>
    public string Save(string fileName, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return SaveCore(fileName, OutPath(fileName), $"--out-dir {Knobs.OutDir}", write);
    }

    /// <summary>
    /// Writes the <c>--summary</c> file with <paramref name="write"/>; a path that cannot be written (its folder cannot be made) or a
    /// write that fails part way goes to the rescue folder as the result files do, said on stderr.
    /// </summary>
    internal string SaveSummary(string path, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var fileName = Path.GetFileName(full);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            var rescued = Rescue(fileName, $"--summary {path}", UserErrors.MessageOf(e));
            WithFault(fileName, write)(rescued);
            return rescued;
        }
        return SaveCore(fileName, full, $"--summary {path}", write);
    }

    string SaveCore(string fileName, string path, string where, Action<string> write)
    {
        try
        {
            WithFault(fileName, write)(path);
            return path;
        }
        catch (Exception e) when (IsWriteFailure(e) && !_rescued.Contains(path))
        {
            var rescued = Rescue(fileName, where, $"writing {path} failed: {UserErrors.MessageOf(e)}");
            try
            {
                WithFault(fileName, write)(rescued);
            }
            catch (Exception again) when (IsWriteFailure(again))
            {
                throw new IOException($"{fileName} could not be written into {where} ({UserErrors.MessageOf(e)}) nor into the rescue folder " +
                                      $"{Path.GetDirectoryName(rescued)} ({UserErrors.MessageOf(again)}); free some space or give a writable place and run again.", again);
            }
            return rescued;
        }
    }

    /// <summary>
    /// The file system refused the write (full, too large, no permission, gone): worth writing again elsewhere. A file format's own
    /// complaint about what was written (<see cref="LatentLab.Formats.ArrayFileException"/>, an IOException too) would fail there as well.
    /// </summary>
    static bool IsWriteFailure(Exception e) => e is (IOException and not LatentLab.Formats.ArrayFileException) or UnauthorizedAccessException;

    /// <summary>
    /// Tests only: wraps the writer of a result file (given its name) to inject a failure part way through a write, such as a
    /// disk that fills up. Async-local, so a test's fault stays within its own run.
    /// </summary>
    internal static readonly AsyncLocal<Func<string, Action<string>, Action<string>>?> WriteFault = new();

    static Action<string> WithFault(string fileName, Action<string> write) => WriteFault.Value is { } fault ? fault(fileName, write) : write;

    /// <summary>A path for <paramref name="fileName"/> in this run's rescue folder in the temp directory, said on stderr with <paramref name="problem"/>.</summary>
    string Rescue(string fileName, string where, string problem)
    {
        _rescueFolder ??= Directory.CreateDirectory(Path.Combine(Path.GetTempPath(),
            $"latentlab-rescue-{_command.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}")).FullName;
        var rescued = Path.Combine(_rescueFolder, fileName);
        _rescued.Add(rescued);
        Error.WriteLine($"latentlab {_command.Name}: cannot write {fileName} into {where} ({problem}); " +
                        $"writing it to {rescued} instead, so the result is kept: move it where you want it.");
        return rescued;
    }
}
