using LatentLab.Options;

namespace LatentLab.Sweeps;

/// <summary>
/// A command a sweep can run, as the console tool's registry declares it: its name, the option records whose knobs are its
/// flags (checked with <see cref="OptionSchema"/>), and flags of records this process cannot load (e.g. the console's own
/// --device; passed on as text, checked by the tool when the point runs).
/// </summary>
public sealed record SweepableCommand(string Name, IReadOnlyList<OptionSchema> Schemas, IReadOnlyList<string> TextFlags)
{
    /// <summary>Flags the sweep sets itself on every point: never in a grid or in --fixed.</summary>
    public static IReadOnlyList<string> RunnerFlags { get; } = ["--out-dir", "--summary", "--progress"];

    /// <summary>The knob with this flag (with or without dashes) and its schema, or null.</summary>
    public (Knob Knob, OptionSchema Schema)? Find(string flag)
    {
        var key = Knob.KeyOf(flag);
        foreach (var schema in Schemas)
        {
            foreach (var knob in schema.Knobs.Where(k => !k.IsHidden))
            {
                if (Knob.KeyOf(knob.Flag) == key) return (knob, schema);
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="flag"/> is one of <see cref="TextFlags"/>.</summary>
    public bool HasTextFlag(string flag) => TextFlags.Any(f => Knob.KeyOf(f) == Knob.KeyOf(flag));

    /// <summary>Every flag, for messages.</summary>
    public IEnumerable<string> Flags =>
        Schemas.SelectMany(s => s.Knobs.Where(k => !k.IsHidden).Select(k => k.Flag)).Concat(TextFlags)
            .Where(f => !RunnerFlags.Any(r => Knob.KeyOf(r) == Knob.KeyOf(f)));

    /// <summary>The command named <paramref name="name"/> in <paramref name="commands"/>; a clear message listing them when there is none.</summary>
    public static SweepableCommand Named(IReadOnlyList<SweepableCommand> commands, string name)
    {
        var key = name.Trim().TrimStart('#', '!');
        return commands.FirstOrDefault(c => string.Equals(c.Name, key, StringComparison.OrdinalIgnoreCase))
               ?? throw new ArgumentException($"--command {name}: latentlab has no such command; a sweep can run {string.Join(", ", commands.Select(c => c.Name))}.");
    }
}
