namespace LatentLab.Interactive.Tests.TestCommands;

/// <summary>What <c>#!test-echo</c> binds with --out: the options it received.</summary>
public sealed record EchoResult(int Count, double Scale, string Device, string Policies, bool Loud = true);
