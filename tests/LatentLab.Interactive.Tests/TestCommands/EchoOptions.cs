using LatentLab.Options;

namespace LatentLab.Interactive.Tests.TestCommands;

/// <summary>The knobs of the test-only <c>#!test-echo</c>, declared the way every LatentLab options record declares them.</summary>
public sealed record EchoOptions : IKnobRules
{
    [Knob("--count", "How many things.", Min = 1, Max = 10)]
    public int Count { get; init; } = 3;

    [Knob("--scale", "A factor.", Min = 0, Max = 1)]
    public double Scale { get; init; } = 0.5;

    [Knob("--policies", "Policies to compare.", Choices = ["random", "greedy", "ucb1", "thompson"])]
    public IReadOnlyList<string>? Policies { get; init; } = ["greedy", "ucb1"];

    [Knob("--throw", "Fail on purpose: none, argument (a user error) or bug (an unexpected exception).", Choices = ["none", "argument", "bug"])]
    public string Throw { get; init; } = "none";

    [Knob("--steps", "Progress reports to send.", Min = 0, Max = 1000)]
    public int Steps { get; init; }

    [Knob("--interval-ms", "Least time between progress updates (ms).", Min = 0, Max = 3_600_000)]
    public int IntervalMs { get; init; }

    [Knob("--wait", "Wait until interrupted.")]
    public bool Wait { get; init; }

    [Knob("--from", "C# variable holding an earlier EchoResult whose count is reused.", Identifier = true, TypeHint = "variable")]
    public string? From { get; init; }

    [Knob("--loud", "On by default (to test off flags).")]
    public bool Loud { get; init; } = true;

    public IEnumerable<string> BrokenRules()
    {
        if (Count == 8 && Scale < 0.9) yield return "{Count} 8 needs {Scale} above 0.9 (a made-up rule for the test).";
    }
}
