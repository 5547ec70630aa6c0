namespace LatentLab.Reports;

/// <summary>One named number of a <see cref="RunProgress"/> (loss, agreement, reward, KL, ...), shown with <paramref name="Format"/>.</summary>
public sealed record RunScalar(string Name, double Value, string Format = "0.000");
