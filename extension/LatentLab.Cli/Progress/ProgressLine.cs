using LatentLab.Reports;

namespace LatentLab.Cli.Progress;

/// <summary>One line of text from a <see cref="RunProgress"/>: stage, count and share, rate, ETA, the scalars and the message.</summary>
public static class ProgressLine
{
    /// <summary>E.g. <c>Training the student: 120/300 steps (40%) | 52.1k env-steps/s | ETA 12 s | loss 0.412 | agreement with teacher 0.871</c>.</summary>
    public static string Format(RunProgress p)
    {
        var parts = new List<string> { $"{p.Stage}: {Count(p)}" };
        if (Rate(p) is { } rate) parts.Add(rate);
        if (p.Total > 0) parts.Add("ETA " + (p.Eta is { } eta ? ReportFormat.Duration(eta) : "…"));
        parts.AddRange(p.Scalars.Where(s => !double.IsNaN(s.Value)).Select(s => $"{s.Name} {ReportFormat.Number(s.Value, s.Format)}"));
        if (!string.IsNullOrWhiteSpace(p.Message)) parts.Add(p.Message!);
        return string.Join(" | ", parts);
    }

    /// <summary><c>120/300 steps (40%)</c>, or <c>120 steps</c> while the total is unknown.</summary>
    public static string Count(RunProgress p) => p.Total > 0
        ? $"{p.Done}/{p.Total} {p.Unit} ({p.Fraction * 100:0}%)"
        : $"{p.Done} {p.Unit}";

    /// <summary><c>52.1k env-steps/s</c>, or null before any time has passed.</summary>
    public static string? Rate(RunProgress p) => double.IsFinite(p.PerSecond) && p.Elapsed > TimeSpan.Zero
        ? $"{ReportFormat.Rate(p.PerSecond)} {p.RateUnit ?? p.Unit}/s"
        : null;
}
