using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LatentLab.Options;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Directives;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// One magic command: name, description, one example, the handler, and the options records whose knobs are its flags.
/// Nothing about a flag is written here: name, help, default, range and rules come from the records' <see cref="KnobAttribute"/>s
/// (the science record, the command's own inputs, and <see cref="NotebookKnobs"/>). It builds the directive .NET Interactive
/// parses, reads the typed values back into records with the records' own checks, and <c>#!latentlab</c> reads its help from it.
/// Register a new command by adding one line to <see cref="LatentLabCommands.All"/>.
/// </summary>
public sealed class CommandDefinition
{
    static readonly ConcurrentDictionary<Type, CommandDefinition> ByType = new();
    static readonly ConditionalWeakTable<KernelDirective, CommandDefinition> ByDirective = new();
    static readonly OptionSchema Notebook = OptionSchema.For<NotebookKnobs>();

    readonly Action<Kernel, KernelActionDirective> _register;
    readonly Dictionary<string, CommandOption> _byKey = new(StringComparer.Ordinal);

    CommandDefinition(string name, string description, string example, Type? optionsType, IReadOnlyList<OptionSchema> schemas,
        string? defaultOut, bool device, Type commandType, Func<CommandDefinition, Action<Kernel, KernelActionDirective>> register)
    {
        Name = name;
        Description = description;
        Example = example;
        OptionsType = optionsType;
        DefaultOut = defaultOut;
        CommandType = commandType;
        var options = new List<CommandOption>();
        foreach (var schema in schemas)
        {
            foreach (var knob in schema.Knobs.Where(k => !k.IsHidden))
            {
                options.AddRange(CommandOption.Of(knob, schema));
            }
        }
        if (device) options.AddRange(CommandOption.Of(Notebook.Of(nameof(NotebookKnobs.Device)), Notebook));
        if (defaultOut is not null) options.AddRange(CommandOption.Of(Notebook.Of(nameof(NotebookKnobs.Out)), Notebook, defaultOut));
        if (optionsType is not null)
        {
            options.AddRange(CommandOption.Of(Notebook.Of(nameof(NotebookKnobs.Options)), Notebook).Select(o => o with
            {
                Description = $"C# variable holding a {optionsType.Name} record (e.g. built in a parameters cell) to start from; " +
                              "options given on the same line are applied over it.",
            }));
        }
        foreach (var option in options)
        {
            if (!_byKey.TryAdd(Knob.KeyOf(option.Name), option))
                throw new ArgumentException($"{name}: {option.Name} is declared twice (by {option.Schema.RecordType.Name} and {_byKey[Knob.KeyOf(option.Name)].Schema.RecordType.Name}).");
        }
        Options = options;
        Schemas = [.. schemas, Notebook];
        _register = register(this);
    }

    /// <summary>The magic command as typed, e.g. <c>#!bandit-train</c>.</summary>
    public string Name { get; }

    /// <summary>One or two sentences: what the command does and what it produces.</summary>
    public string Description { get; }

    /// <summary>One complete, runnable example (shown by <c>#!latentlab</c>).</summary>
    public string Example { get; }

    /// <summary>The science options record the command runs (read from <c>--options</c> or its defaults, then the line), or null.</summary>
    public Type? OptionsType { get; }

    /// <summary>The variable name <c>--out</c> defaults to, or null when the command binds nothing.</summary>
    public string? DefaultOut { get; }

    /// <summary>Every record whose knobs are flags of this command.</summary>
    public IReadOnlyList<OptionSchema> Schemas { get; }

    /// <summary>The flags in the order help shows them.</summary>
    public IReadOnlyList<CommandOption> Options { get; }

    /// <summary>The <see cref="LatentLabCommand"/> subclass (its name must be unique in the process).</summary>
    public Type CommandType { get; }

    /// <summary>
    /// Defines a command whose flags are the knobs of <paramref name="options"/> (the science record), of each record in
    /// <paramref name="inputs"/> (files and variables the command reads), and <c>--device</c>, <c>--out</c> (when
    /// <paramref name="defaultOut"/> is given) and <c>--options</c> (when <paramref name="options"/> is given). Fails at once
    /// if two records declare the same flag or the example uses a flag that does not exist. <paramref name="views"/> adds part of a
    /// record (<see cref="OptionSchema.Except"/>), e.g. GRPO's own knobs beside PPO's.
    /// </summary>
    public static CommandDefinition Create<TCommand>(
        string name,
        string description,
        string example,
        Func<TCommand, KernelInvocationContext, Task> handleAsync,
        Type? options = null,
        IReadOnlyList<Type>? inputs = null,
        string? defaultOut = null,
        bool device = true,
        IReadOnlyList<OptionSchema>? views = null)
        where TCommand : LatentLabCommand
    {
        if (!name.StartsWith("#!", StringComparison.Ordinal) || name.Length < 3)
            throw new ArgumentException($"A magic command name starts with #! (got '{name}').", nameof(name));
        if (!example.StartsWith(name, StringComparison.Ordinal))
            throw new ArgumentException($"The example of {name} must start with {name} (got '{example}').", nameof(example));
        var schemas = new List<OptionSchema>();
        if (options is not null) schemas.Add(OptionSchema.For(options));
        schemas.AddRange((inputs ?? []).Select(OptionSchema.For));
        schemas.AddRange(views ?? []);

        var definition = new CommandDefinition(name, description, example, options, schemas, defaultOut, device, typeof(TCommand),
            self => (kernel, directive) => kernel.AddDirective<TCommand>(directive,
                (command, context) => CommandRunner.RunAsync(self, command, context, handleAsync)));
        foreach (var token in example.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(t => t.StartsWith("--", StringComparison.Ordinal)))
        {
            if (definition.Option(token) is null)
                throw new ArgumentException($"The example of {name} uses {token}, which is not one of its options.", nameof(example));
        }
        ByType[typeof(TCommand)] = definition;
        return definition;
    }

    /// <summary>The definition behind a command type, or null.</summary>
    public static CommandDefinition? For(Type commandType) => ByType.TryGetValue(commandType, out var d) ? d : null;

    /// <summary>The definition that created a registered directive, or null for directives that are not LatentLab's.</summary>
    public static CommandDefinition? For(KernelDirective directive) => ByDirective.TryGetValue(directive, out var d) ? d : null;

    /// <summary>The option named <paramref name="optionName"/> (e.g. <c>--arms</c>), or null.</summary>
    public CommandOption? Option(string optionName) => _byKey.GetValueOrDefault(Knob.KeyOf(optionName));

    /// <summary>A fresh directive for .NET Interactive (parameters with descriptions and completions).</summary>
    public KernelActionDirective CreateDirective()
    {
        var directive = new KernelActionDirective(Name) { Description = Description };
        foreach (var option in Options)
        {
            directive.Parameters.Add(option.ToParameter());
        }
        return directive;
    }

    /// <summary>
    /// Registers the command on <paramref name="kernel"/> (the root kernel in a notebook). Loading twice is harmless:
    /// a kernel that already has a directive of this name keeps it.
    /// </summary>
    public void AddTo(Kernel kernel)
    {
        if (kernel.KernelInfo.SupportedDirectives.Any(d => d.Name == Name))
        {
            return;
        }
        var directive = CreateDirective();
        ByDirective.AddOrUpdate(directive, this);
        _register(kernel, directive);
    }

    // ---- Reading what the user typed ----

    /// <summary>The flags given on the line, with their text (null for a switch), in the order .NET Interactive bound them.</summary>
    internal IReadOnlyList<(CommandOption Option, string? Text)> LineValues(LatentLabCommand command)
    {
        var values = new List<(CommandOption, string?)>();
        foreach (var (key, json) in command.Values ?? [])
        {
            if (Option(key) is not { } option) continue;           // e.g. invokedDirective
            switch (json.ValueKind)
            {
                case JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined:
                    continue;                                       // a switch that was not given
                case JsonValueKind.True when option.Flag:
                    values.Add((option, null));
                    break;
                case JsonValueKind.String:
                    values.Add((option, json.GetString()));
                    break;
                default:
                    values.Add((option, json.GetRawText()));
                    break;
            }
        }
        return values;
    }

    /// <summary>
    /// Every problem with the line as typed, one message each (options given without a value, values that do not parse,
    /// values out of range, and, when no <c>--options</c> record is named, broken rules across options); empty when it can run.
    /// </summary>
    public IReadOnlyList<string> Problems(LatentLabCommand command)
    {
        var problems = MissingValues(command).ToList();
        var line = LineValues(command);
        bool fromRecord = line.Any(v => v.Option.Knob.Property.Name == nameof(NotebookKnobs.Options) && v.Option.Schema == Notebook);
        foreach (var schema in Schemas)
        {
            object record;
            try
            {
                record = Apply(schema, schema.Defaults, line);
            }
            catch (ArgumentException e)
            {
                problems.Add(e.Message);
                continue;
            }
            if (fromRecord && schema.RecordType == OptionsType)
            {
                // The record named by --options is read when the command runs; check only what the line sets.
                var given = line.Where(v => v.Option.Schema == schema).Select(v => v.Option.Knob).Distinct();
                problems.AddRange(given.Select(k => k.Check(k.Property.GetValue(record))).OfType<string>());
            }
            else
            {
                problems.AddRange(schema.Problems(record));
            }
        }
        return problems;
    }

    /// <summary>A record of type <typeparamref name="T"/> from its defaults (or <paramref name="start"/>) and the line, checked.</summary>
    internal T Read<T>(LatentLabCommand command, T? start = null, string? source = null) where T : class
    {
        var schema = Schemas.FirstOrDefault(s => s.RecordType == typeof(T))
            ?? throw new InvalidOperationException($"{Name} has no options of type {typeof(T).Name}.");
        var line = LineValues(command);
        var record = Apply(schema, start ?? (T)schema.Defaults, line);
        // A record from --options VARIABLE out of range where the line does not override it: the message names the variable.
        return start is not null && source is not null
            ? OptionSchema.Check(record, source, line.Where(v => v.Option.Schema == schema).Select(v => v.Option.Name))
            : OptionSchema.Check(record);
    }

    static T Apply<T>(OptionSchema schema, T record, IReadOnlyList<(CommandOption Option, string? Text)> line) where T : class =>
        schema.With(record, line.Where(v => v.Option.Schema == schema).Select(v => new KeyValuePair<string, string?>(v.Option.Name, v.Text)));

    /// <summary>
    /// The directive as typed. .NET Interactive keeps it in a non-public property; where a later version renames it, the check
    /// for options without a value is skipped (nothing else depends on it).
    /// </summary>
    static string? DirectiveText(LatentLabCommand command) =>
        command.GetType().GetProperty("DirectiveNode", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
            ?.GetValue(command)?.ToString();

    /// <summary>Options typed without a value (<c>--arms</c> at the end of the line or before another option), which .NET Interactive drops.</summary>
    IEnumerable<string> MissingValues(LatentLabCommand command)
    {
        var text = DirectiveText(command);
        if (string.IsNullOrWhiteSpace(text)) yield break;
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < tokens.Length; i++)
        {
            if (!tokens[i].StartsWith("--", StringComparison.Ordinal) || Option(tokens[i]) is not { Flag: false } option) continue;
            if (i + 1 == tokens.Length || tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                yield return option.Knob.Tag($"{option.Name} needs a value ({option.AllowedText ?? option.TypeHint}), e.g. {option.Name} {option.Default}.");
            }
        }
    }
}
