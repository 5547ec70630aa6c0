using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;

namespace LatentLab.Options;

/// <summary>
/// The knobs of one options record, read once from its <see cref="KnobAttribute"/>s: the single source of every flag,
/// help line, default, range and rule. Front ends parse into a record with <see cref="With"/>; the science checks every
/// record it is given with <see cref="Validate"/>, whichever way it was made (flags, a parameters-cell record, a C# call,
/// a sweep file), so all paths meet the same checks and the same messages.
/// </summary>
public sealed partial class OptionSchema
{
    static readonly ConcurrentDictionary<Type, OptionSchema> Cache = new();

    readonly Dictionary<string, Knob> _byKey = new(StringComparer.Ordinal);
    readonly MethodInfo _clone;

    OptionSchema(Type recordType)
    {
        RecordType = recordType;
        _clone = recordType.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance)
            ?? throw new ArgumentException($"{recordType.Name} must be a record (options are copied with 'with').");
        var defaults = Activator.CreateInstance(recordType)
            ?? throw new ArgumentException($"{recordType.Name} needs a parameterless constructor (its initializers are the defaults).");
        var knobs = new List<Knob>();
        foreach (var property in recordType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<KnobAttribute>() is not { } attribute) continue;
            if (!property.CanWrite)
                throw new ArgumentException($"{recordType.Name}.{property.Name}: a knob needs an init or set accessor.");
            var knob = new Knob(property, attribute, property.GetValue(defaults));
            foreach (var key in new[] { Knob.KeyOf(knob.Flag), knob.OffFlag is { } off ? Knob.KeyOf(off) : null }.OfType<string>())
            {
                if (!_byKey.TryAdd(key, knob))
                    throw new ArgumentException($"{recordType.Name}: {knob.Flag} and {_byKey[key].Flag} are the same flag.");
            }
            knobs.Add(knob);
        }
        // Declaration order (GetProperties follows metadata order, which is declaration order for C# records).
        Knobs = knobs;
        Defaults = defaults;
    }

    /// <summary>A view of <paramref name="parent"/> holding only the knobs <paramref name="keep"/> accepts (same record type, same defaults).</summary>
    OptionSchema(OptionSchema parent, Func<Knob, bool> keep)
    {
        RecordType = parent.RecordType;
        _clone = parent._clone;
        Defaults = parent.Defaults;
        Knobs = parent.Knobs.Where(keep).ToList();
        foreach (var (key, knob) in parent._byKey)
        {
            if (keep(knob)) _byKey[key] = knob;
        }
    }

    /// <summary>
    /// The knobs of <paramref name="recordType"/> whose flags <paramref name="sharedWith"/> does not declare, as a schema of
    /// <paramref name="recordType"/>: one declaration of the knobs one record adds to another (e.g. GRPO's own knobs beside
    /// the PPO knobs it shares), for front ends that show both records' flags on one command. Cached per pair.
    /// </summary>
    public static OptionSchema Except(Type recordType, Type sharedWith) => Views.GetOrAdd((recordType, sharedWith), key =>
    {
        var shared = For(key.SharedWith);
        return new OptionSchema(For(key.Record), k => shared.Find(k.Flag) is null && (k.OffFlag is null || shared.Find(k.OffFlag) is null));
    });

    static readonly ConcurrentDictionary<(Type Record, Type SharedWith), OptionSchema> Views = new();

    /// <summary>The options record type.</summary>
    public Type RecordType { get; }

    /// <summary>Every knob, in declaration order.</summary>
    public IReadOnlyList<Knob> Knobs { get; }

    /// <summary>A record made with <c>new()</c>: every default.</summary>
    public object Defaults { get; }

    /// <summary>The schema of <paramref name="recordType"/> (read once per process).</summary>
    public static OptionSchema For(Type recordType) => Cache.GetOrAdd(recordType, t => new OptionSchema(t));

    /// <summary>The schema of <typeparamref name="T"/>.</summary>
    public static OptionSchema For<T>() => For(typeof(T));

    /// <summary>The knob with this flag, off-flag or property name (<c>--train-horizon</c>, <c>train-horizon</c>, <c>TrainHorizon</c>), or null.</summary>
    public Knob? Find(string flagOrProperty)
    {
        var key = Knob.KeyOf(flagOrProperty);
        return _byKey.TryGetValue(key, out var knob) ? knob : Knobs.FirstOrDefault(k => Knob.KeyOf(k.Property.Name) == key);
    }

    /// <summary>The knob of property <paramref name="propertyName"/>; throws when there is none (a programming error).</summary>
    public Knob Of(string propertyName) => Knobs.FirstOrDefault(k => k.Property.Name == propertyName)
        ?? throw new ArgumentException($"{RecordType.Name} has no knob {propertyName}.", nameof(propertyName));

    /// <summary>
    /// Every problem with <paramref name="record"/>: each knob's range, choice or rule, then (when those are fine) the
    /// record's cross-knob rules (<see cref="IKnobRules"/>) with their <c>{Property}</c> names shown as flag and property.
    /// </summary>
    public IReadOnlyList<string> Problems(object record) => Problems(record, null);

    IReadOnlyList<string> Problems(object record, Func<Knob, string, string>? label)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!RecordType.IsInstanceOfType(record))
            throw new ArgumentException($"Expected a {RecordType.Name}, got a {record.GetType().Name}.", nameof(record));
        var problems = Knobs.Select(k => k.Check(k.Property.GetValue(record)) is { } p ? label?.Invoke(k, p) ?? p : null).OfType<string>().ToList();
        if (problems.Count == 0 && record is IKnobRules rules)
        {
            problems.AddRange(rules.BrokenRules().Select(Expand));
        }
        return problems;
    }

    /// <summary>Throws <see cref="OptionsException"/> listing every problem of <paramref name="record"/>; does nothing when it can run.</summary>
    public void Validate(object record)
    {
        if (Problems(record) is { Count: > 0 } problems) throw new OptionsException(RecordType.Name, problems);
    }

    /// <summary>Checks any options record: <c>OptionSchema.Check(options)</c> at the top of every science entry point.</summary>
    public static T Check<T>(T record) where T : class
    {
        ArgumentNullException.ThrowIfNull(record, typeof(T).Name);
        For(record.GetType()).Validate(record);
        return record;
    }

    /// <summary>
    /// As <see cref="Check{T}(T)"/> for a record that started from <paramref name="source"/> (an <c>--options</c> JSON file or C#
    /// variable) with the line's values over it: a knob in range on the line and out of range in the record is the source's, so
    /// its message starts with <paramref name="source"/> (e.g. <c>--options run.json: --arms must be ...</c>), telling which
    /// file or variable to fix. <paramref name="lineKeys"/> are the flags given on the line.
    /// </summary>
    public static T Check<T>(T record, string source, IEnumerable<string> lineKeys) where T : class
    {
        ArgumentNullException.ThrowIfNull(record, typeof(T).Name);
        ArgumentNullException.ThrowIfNull(lineKeys);
        var schema = For(record.GetType());
        var onLine = lineKeys.Select(Knob.KeyOf).Select(k => schema._byKey.GetValueOrDefault(k)).OfType<Knob>().ToHashSet();
        if (schema.Problems(record, (knob, problem) => onLine.Contains(knob) ? problem : $"{source}: {problem}") is { Count: > 0 } problems)
            throw new OptionsException(schema.RecordType.Name, problems);
        return record;
    }

    /// <summary>
    /// A copy of <paramref name="record"/> with the typed-in values applied (keys are flags or off-flags, with or without
    /// dashes, in any case; values are text as typed, null for a switch given alone). Unknown keys and unparsable values
    /// throw <see cref="ArgumentException"/> naming them. Ranges are not checked here: call <see cref="Validate"/>.
    /// </summary>
    public T With<T>(T record, IEnumerable<KeyValuePair<string, string?>> values) where T : class
    {
        var copy = (T)_clone.Invoke(record, null)!;
        var seen = new Dictionary<Knob, string>();
        foreach (var (key, text) in values)
        {
            var k = Knob.KeyOf(key);
            if (!_byKey.TryGetValue(k, out var knob))
                throw new ArgumentException($"{key} is not an option of {RecordType.Name}; its options are {string.Join(", ", Knobs.Where(x => !x.IsHidden).Select(x => x.Flag))}.");
            if (seen.TryGetValue(knob, out var earlier) && Knob.KeyOf(earlier) != k)
                throw new ArgumentException(knob.Tag($"{earlier} and {key} exclude each other (both set {knob.Flag}). Give one of them."));
            seen[knob] = key;
            object? value = knob.OffFlag is { } off && Knob.KeyOf(off) == k
                ? (text is null ? false : !(bool)knob.Parse(text)!)
                : text is null && knob.IsSwitch ? true : knob.Parse(text ?? "");
            knob.Property.SetValue(copy, value);
        }
        return copy;
    }

    /// <summary>A copy of <paramref name="record"/> with one property set (used by front ends that compute a value).</summary>
    public T With<T>(T record, string propertyName, object? value) where T : class
    {
        var copy = (T)_clone.Invoke(record, null)!;
        Of(propertyName).Property.SetValue(copy, value);
        return copy;
    }

    /// <summary>The flags on which two records differ, with <paramref name="record"/>'s values (e.g. for a sweep point's name).</summary>
    public IReadOnlyList<(Knob Knob, string Value)> Differences(object record, object baseline) =>
        Knobs.Where(k => !Equals(k.Format(k.Property.GetValue(record)), k.Format(k.Property.GetValue(baseline))))
            .Select(k => (k, k.Format(k.Property.GetValue(record)))).ToArray();

    /// <summary>Replaces every <c>{Property}</c> of a rule's message by the knob's flag, and names the properties at the end.</summary>
    public string Expand(string message)
    {
        var named = new List<Knob>();
        var text = Placeholder().Replace(message, m =>
        {
            if (Knobs.FirstOrDefault(k => k.Property.Name == m.Groups[1].Value) is not { } knob) return m.Value;
            if (!named.Contains(knob)) named.Add(knob);
            return knob.Flag;
        });
        return named.Count == 0 ? text : $"{text} [C#: {string.Join(", ", named.Select(k => k.PropertyPath))}]";
    }

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Placeholder();
}
