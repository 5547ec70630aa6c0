namespace LatentLab.Options;

/// <summary>
/// Options that cannot run: every problem found, each naming the knob by flag and property, the value and what is allowed.
/// An <see cref="ArgumentException"/>, so front ends show its message alone (a user error, not a bug).
/// </summary>
public sealed class OptionsException(string recordName, IReadOnlyList<string> problems)
    : ArgumentException(problems.Count == 1 ? problems[0] : $"{recordName} has {problems.Count} problems: " + string.Join(" ", problems))
{
    /// <summary>The options record's type name, e.g. BanditTrainingOptions.</summary>
    public string RecordName { get; } = recordName;

    /// <summary>One message per problem.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
