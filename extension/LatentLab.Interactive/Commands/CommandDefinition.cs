using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Directives;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// Everything about one magic command in one object: name, description, options (with defaults and allowed values),
/// one example, and the handler. It builds the <see cref="KernelActionDirective"/> that .NET Interactive parses, and
/// <c>#!latentlab</c> reads the registered directives back through it, so help cannot drift from the commands.
/// Create it with <see cref="Create{TCommand}"/>; register it by adding one line to <see cref="LatentLabCommands.All"/>.
/// </summary>
public sealed class CommandDefinition
{
    static readonly ConcurrentDictionary<Type, CommandDefinition> ByType = new();
    static readonly ConditionalWeakTable<KernelDirective, CommandDefinition> ByDirective = new();

    readonly Action<Kernel, KernelActionDirective> _register;
    readonly IReadOnlyDictionary<string, PropertyInfo> _properties;

    CommandDefinition(string name, string description, string example, IReadOnlyList<CommandOption> options, Type commandType,
        IReadOnlyDictionary<string, PropertyInfo> properties, Action<Kernel, KernelActionDirective> register)
    {
        Name = name;
        Description = description;
        Example = example;
        Options = options;
        CommandType = commandType;
        _properties = properties;
        _register = register;
    }

    /// <summary>The magic command as typed, e.g. <c>#!bandit-train</c>.</summary>
    public string Name { get; }

    /// <summary>One or two sentences: what the command does and what it produces.</summary>
    public string Description { get; }

    /// <summary>One complete, runnable example (shown by <c>#!latentlab</c>).</summary>
    public string Example { get; }

    /// <summary>The options in the order help shows them.</summary>
    public IReadOnlyList<CommandOption> Options { get; }

    /// <summary>The <see cref="LatentLabCommand"/> subclass the options bind to (its name must be unique in the process).</summary>
    public Type CommandType { get; }

    /// <summary>
    /// Defines a command. Fails at once (when the extension loads, or in a test) if an option has no matching property
    /// on <typeparamref name="TCommand"/>, a switch is not a bool, or the example uses an option that does not exist.
    /// </summary>
    public static CommandDefinition Create<TCommand>(
        string name,
        string description,
        string example,
        IReadOnlyList<CommandOption> options,
        Func<TCommand, KernelInvocationContext, Task> handleAsync)
        where TCommand : LatentLabCommand
    {
        if (!name.StartsWith("#!", StringComparison.Ordinal) || name.Length < 3)
            throw new ArgumentException($"A magic command name starts with #! (got '{name}').", nameof(name));
        if (!example.StartsWith(name, StringComparison.Ordinal))
            throw new ArgumentException($"The example of {name} must start with {name} (got '{example}').", nameof(example));

        var properties = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            var property = typeof(TCommand).GetProperty(option.PropertyName, BindingFlags.Public | BindingFlags.Instance);
            if (property is not { CanRead: true, CanWrite: true })
                throw new ArgumentException(
                    $"{name}: option {option.Name} binds to a public settable property {typeof(TCommand).Name}.{option.PropertyName}, which does not exist.");
            if (option.Flag != (property.PropertyType == typeof(bool)))
                throw new ArgumentException(
                    $"{name}: option {option.Name} is {(option.Flag ? "a switch and needs a bool" : "not a switch and must not be a bool")} property ({typeof(TCommand).Name}.{property.Name} is {property.PropertyType.Name}).");
            properties.Add(option.Name, property);
        }
        foreach (var token in example.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(t => t.StartsWith("--", StringComparison.Ordinal)))
        {
            if (!properties.ContainsKey(token))
                throw new ArgumentException($"The example of {name} uses {token}, which is not one of its options.", nameof(example));
        }

        CommandDefinition? self = null;
        self = new CommandDefinition(name, description, example, options, typeof(TCommand), properties,
            (kernel, directive) => kernel.AddDirective<TCommand>(directive,
                (command, context) => CommandRunner.RunAsync(self!, command, context, handleAsync)));
        ByType[typeof(TCommand)] = self;
        return self;
    }

    /// <summary>The definition behind a command type, or null.</summary>
    public static CommandDefinition? For(Type commandType) => ByType.TryGetValue(commandType, out var d) ? d : null;

    /// <summary>The definition that created a registered directive, or null for directives that are not LatentLab's.</summary>
    public static CommandDefinition? For(KernelDirective directive) => ByDirective.TryGetValue(directive, out var d) ? d : null;

    /// <summary>The property an option binds to.</summary>
    public PropertyInfo PropertyOf(CommandOption option) => _properties[option.Name];

    /// <summary>The option named <paramref name="optionName"/> (e.g. <c>--arms</c>), or null.</summary>
    public CommandOption? Option(string optionName) => Options.FirstOrDefault(o => o.Name == optionName);

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
}
