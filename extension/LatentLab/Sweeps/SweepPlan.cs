using System.Security.Cryptography;
using System.Text;
using LatentLab.Options;

namespace LatentLab.Sweeps;

/// <summary>
/// The points of a sweep, checked before anything runs: every grid and fixed option is an option of the command (by its
/// records' knobs), every value parses and is in range, and every point's records pass their cross-knob rules.
/// </summary>
public sealed class SweepPlan
{
    SweepPlan(SweepOptions options, SweepableCommand command, IReadOnlyList<GridAxis> axes, IReadOnlyList<KeyValuePair<string, string>> fixedValues,
        IReadOnlyList<int> seeds, IReadOnlyList<SweepPoint> points)
    {
        Options = options;
        Command = command;
        Axes = axes;
        Fixed = fixedValues;
        Seeds = seeds;
        Points = points;
        var identity = new StringBuilder(command.Name);
        foreach (var p in points) identity.Append('\n').Append(p.Name);
        Id = Hash(identity.ToString(), 16);
    }

    /// <summary>The options it was made from.</summary>
    public SweepOptions Options { get; }

    /// <summary>The command every point runs.</summary>
    public SweepableCommand Command { get; }

    /// <summary>The grid's options with their values, in the order given.</summary>
    public IReadOnlyList<GridAxis> Axes { get; }

    /// <summary>Options given to every point.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fixed { get; }

    /// <summary>The seeds of every setting (empty when the command has no --seed).</summary>
    public IReadOnlyList<int> Seeds { get; }

    /// <summary>Every point: settings in grid order (the last option varies fastest), seeds innermost.</summary>
    public IReadOnlyList<SweepPoint> Points { get; }

    /// <summary>Number of grid settings.</summary>
    public int Settings => Points.Count == 0 ? 0 : Points[^1].Setting + 1;

    /// <summary>Identifies the sweep (command and every point's name): a folder holds one sweep.</summary>
    public string Id { get; }

    /// <summary>One option of the grid: its flag (as declared) and values (as typed).</summary>
    public sealed record GridAxis(string Flag, IReadOnlyList<string> Values, Knob? Knob);

    /// <summary>Plans the sweep of <paramref name="options"/> over the commands of <paramref name="commands"/> (the console tool's registry).</summary>
    public static SweepPlan Create(SweepOptions options, IReadOnlyList<SweepableCommand> commands)
    {
        OptionSchema.Check(options);
        var command = SweepableCommand.Named(commands, options.Command);
        var axes = ParseAssignments("--grid", options.Grid, command, single: false);
        if (axes.Count == 0)
            throw new ArgumentException($"--grid is empty: give at least one option of {command.Name} and its values, e.g. --grid \"{ExampleAxis(command)}\". " +
                                        "(A sweep over seeds only: one option with its one value.)");
        var fixedAxes = ParseAssignments("--fixed", options.Fixed, command, single: true);
        foreach (var f in fixedAxes)
        {
            if (axes.Any(a => Knob.KeyOf(a.Flag) == Knob.KeyOf(f.Flag)))
                throw new ArgumentException($"{f.Flag} is both in --grid and in --fixed; keep it in one of them.");
        }
        var seedKnob = command.Find("--seed");
        var seeds = SweepSeeds.Parse(options.Seeds);
        if (seedKnob is null && (seeds.Count > 1 || seeds[0] != 0))
            throw new ArgumentException($"--seeds {options.Seeds}: {command.Name} has no --seed option; leave --seeds out.");
        var threadsKnob = command.Find("--threads");
        bool threadsGiven = axes.Concat(fixedAxes).Any(a => Knob.KeyOf(a.Flag) == "threads");

        var fixedValues = fixedAxes.Select(a => new KeyValuePair<string, string>(a.Flag, a.Values[0])).ToList();
        var settings = Cartesian(axes);
        var points = new List<SweepPoint>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int s = 0; s < settings.Count; s++)
        {
            var values = settings[s];
            var perSeed = seedKnob is null ? [(int?)null] : seeds.Select(x => (int?)x).ToList();
            foreach (var seed in perSeed)
            {
                var args = new List<string> { command.Name };
                foreach (var (flag, value) in fixedValues.Concat(values)) AddOption(args, command, flag, value);
                if (seed is { } sd) args.AddRange(["--seed", sd.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                if (threadsKnob is not null && !threadsGiven) args.AddRange(["--threads", options.ThreadsPerPoint.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                var name = PointName(values, seed, args);
                if (!names.Add(name)) throw new ArgumentException($"--grid \"{options.Grid}\" repeats a setting ({name}); give each value once.");
                points.Add(new SweepPoint(points.Count, name, s, values, seed, args));
            }
        }
        CheckRecords(command, points);
        return new SweepPlan(options, command, axes, fixedValues, seedKnob is null ? [] : seeds, points);
    }

    /// <summary>The grid's name, e.g. <c>lr-0.01_hidden-64_seed-3_1a2b3c4d</c>: readable, filesystem-safe, with a hash of every argument.</summary>
    static string PointName(IReadOnlyList<KeyValuePair<string, string>> values, int? seed, IReadOnlyList<string> args)
    {
        var readable = new StringBuilder();
        foreach (var (flag, value) in values)
        {
            if (readable.Length > 0) readable.Append('_');
            readable.Append(Safe(flag.TrimStart('-'))).Append('-').Append(Safe(value));
        }
        if (seed is { } s) readable.Append("_seed-").Append(s);
        var text = readable.ToString();
        if (text.Length > 80) text = text[..80];
        return $"{text}_{Hash(string.Join('\u0001', args), 8)}";
    }

    static string Safe(string text)
    {
        var b = new StringBuilder(text.Length);
        foreach (var c in text) b.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' ? c : '~');
        return b.ToString();
    }

    static string Hash(string text, int hexDigits) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..hexDigits];

    static void AddOption(List<string> args, SweepableCommand command, string flag, string value)
    {
        if (command.Find(flag) is { Knob: { IsSwitch: true } knob })
        {
            // A switch on the console is given alone (on) or as its off-flag; "on"/"off" in a grid pick one of them.
            bool on = (bool)knob.Parse(value)!;
            if (Knob.KeyOf(flag) == Knob.KeyOf(knob.OffFlag ?? "")) on = !on;
            if (on) args.Add(knob.Flag);
            else if (knob.OffFlag is { } off) args.Add(off);
            return;
        }
        args.AddRange([flag, value]);
    }

    static List<GridAxis> ParseAssignments(string option, string text, SweepableCommand command, bool single)
    {
        var axes = new List<GridAxis>();
        foreach (var part in (text ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
                throw new ArgumentException($"{option} \"{text}\": '{part}' is not option=value{(single ? "" : "s")}; write e.g. \"{ExampleAxis(command)}\".");
            var name = part[..eq].Trim();
            var flag = name.StartsWith("--", StringComparison.Ordinal) ? name : "--" + name;
            if (SweepableCommand.RunnerFlags.Any(r => Knob.KeyOf(r) == Knob.KeyOf(flag)))
                throw new ArgumentException($"{option}: {flag} is set by the sweep itself (every point writes into its own folder of --folder); leave it out.");
            if (Knob.KeyOf(flag) == "seed")
                throw new ArgumentException($"{option}: give seeds with --seeds (e.g. --seeds 0-15), not as {flag}.");
            var found = command.Find(flag);
            if (found is null && !command.HasTextFlag(flag))
                throw new ArgumentException($"{option}: {name} is not an option of {command.Name}; its options are {string.Join(", ", command.Flags)}.");
            if (axes.Any(a => Knob.KeyOf(a.Flag) == Knob.KeyOf(flag)))
                throw new ArgumentException($"{option}: {flag} is given twice; list all its values once, e.g. {name}=1,2,3.");
            var raw = part[(eq + 1)..];
            var values = (found?.Knob.Kind is KnobKind.IntegerList or KnobKind.TextList ? raw.Split('|') : raw.Split(','))
                .Select(v => v.Trim()).ToList();
            if (values.Count == 0 || values.Any(v => v.Length == 0))
                throw new ArgumentException($"{option}: {flag} has {(values.All(v => v.Length == 0) ? "no values" : "an empty value")} ('{part}'); write e.g. {name}=1,2,3.");
            if (found?.Knob.Kind is not (KnobKind.IntegerList or KnobKind.TextList) && OptionText.GridValuesProblem(option, part, values) is { } repeated)
                throw new ArgumentException(repeated);
            if (single && values.Count > 1)
                throw new ArgumentException($"{option}: {flag} has {values.Count} values; --fixed takes one per option (put it in --grid to sweep over it).");
            if (found is { Knob: var knob })
            {
                foreach (var v in values)
                {
                    object? parsed;
                    try
                    {
                        parsed = knob.Parse(v);
                    }
                    catch (ArgumentException e)
                    {
                        throw new ArgumentException($"{option}: {LatentLab.Options.UserErrors.MessageOf(e)}", e);
                    }
                    if (knob.Check(parsed) is { } problem) throw new ArgumentException($"{option}: {problem}");
                }
                flag = Knob.KeyOf(flag) == Knob.KeyOf(knob.OffFlag ?? "") ? flag : knob.Flag;
            }
            axes.Add(new GridAxis(flag, values, found?.Knob));
        }
        return axes;
    }

    static string ExampleAxis(SweepableCommand command)
    {
        var knob = command.Schemas.SelectMany(s => s.Knobs).FirstOrDefault(k => !k.IsHidden && k.Kind is KnobKind.Integer or KnobKind.Number && k.Flag != "--seed" && k.Flag != "--threads");
        return knob is null ? "option=a,b" : $"{knob.Flag.TrimStart('-')}={knob.DefaultText},{knob.DefaultText}";
    }

    static List<IReadOnlyList<KeyValuePair<string, string>>> Cartesian(IReadOnlyList<GridAxis> axes)
    {
        var result = new List<IReadOnlyList<KeyValuePair<string, string>>> { Array.Empty<KeyValuePair<string, string>>() };
        foreach (var axis in axes)
        {
            result = result.SelectMany(prefix => axis.Values.Select(v => (IReadOnlyList<KeyValuePair<string, string>>)[.. prefix, new(axis.Flag, v)])).ToList();
        }
        return result;
    }

    /// <summary>Builds every point's records from its options (defaults, then the point's values) and checks them: cross-knob rules fail here, not in a worker.</summary>
    static void CheckRecords(SweepableCommand command, IReadOnlyList<SweepPoint> points)
    {
        var problems = new List<string>();
        foreach (var point in points)
        {
            // An --options file fills the science record when the point runs: its knobs are checked there.
            bool fromFile = point.Arguments.Any(a => Knob.KeyOf(a) == "options");
            foreach (var schema in command.Schemas.Skip(fromFile ? 1 : 0))
            {
                var values = new List<KeyValuePair<string, string?>>();
                for (int i = 1; i < point.Arguments.Count; i++)
                {
                    var flag = point.Arguments[i];
                    if (!flag.StartsWith("--", StringComparison.Ordinal)) continue;
                    var knob = schema.Find(flag);
                    bool isValue = i + 1 < point.Arguments.Count && !point.Arguments[i + 1].StartsWith("--", StringComparison.Ordinal);
                    if (knob is not null) values.Add(new(flag, knob.IsSwitch ? null : (isValue ? point.Arguments[i + 1] : null)));
                }
                object record;
                try
                {
                    record = schema.With(schema.Defaults, values);
                }
                catch (ArgumentException e)
                {
                    problems.Add($"{point.Name}: {LatentLab.Options.UserErrors.MessageOf(e)}");
                    continue;
                }
                problems.AddRange(schema.Problems(record).Select(p => $"{point.Name}: {p}"));
            }
            if (problems.Count >= 5) break;
        }
        if (problems.Count > 0)
            throw new ArgumentException($"These points of the sweep cannot run ({command.Name}'s own checks):{Environment.NewLine}  " +
                                        string.Join(Environment.NewLine + "  ", problems.Take(5)));
    }
}
