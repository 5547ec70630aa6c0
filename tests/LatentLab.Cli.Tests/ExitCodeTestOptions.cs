using LatentLab.Options;

namespace LatentLab.Cli.Tests;

/// <summary>A one-knob options record for commands made up by the tests.</summary>
public sealed record ExitCodeTestOptions
{
    [Knob("--seed", "A seed.", Min = 0)]
    public int Seed { get; init; }
}
