namespace LatentLab.Reports;

/// <summary>
/// The one progress record every live display reads: what stage a run is in, how far it got (<see cref="Done"/> of
/// <see cref="Total"/> <see cref="Unit"/>), how long it has run, and the latest named scalars (loss, agreement,
/// reward, KL: whatever a trainer reports), in the order they should be shown. A trainer that reports these gets a
/// live panel with a progress bar, rate, ETA and a growing chart of each scalar (<see cref="RunPanel"/>) for free.
/// Rate and ETA are computed here and nowhere else.
/// </summary>
/// <param name="Stage">What is running, e.g. "Training the student" or "Probe sweep".</param>
/// <param name="Done">Units done so far.</param>
/// <param name="Total">Units planned (0 = unknown: the bar stays empty and there is no ETA).</param>
/// <param name="Elapsed">Wall time since the run started.</param>
public sealed record RunProgress(string Stage, long Done, long Total, TimeSpan Elapsed)
{
    /// <summary>What <see cref="Done"/> counts, plural ("steps", "cells").</summary>
    public string Unit { get; init; } = "steps";

    /// <summary>The latest scalars, in display order.</summary>
    public IReadOnlyList<RunScalar> Scalars { get; init; } = [];

    /// <summary>Throughput per second in <see cref="RateUnit"/> when the run measures its own (e.g. env-steps/s); otherwise <see cref="Done"/> / <see cref="Elapsed"/>.</summary>
    public double? Rate { get; init; }

    /// <summary>The unit of <see cref="Rate"/>; <see cref="Unit"/> when left out.</summary>
    public string? RateUnit { get; init; }

    /// <summary>One more line for the display (e.g. "layer 3 (3/8): best accuracy 0.910 at position 17").</summary>
    public string? Message { get; init; }

    /// <summary>Share done, 0..1 (0 while the total is unknown).</summary>
    public double Fraction => Total <= 0 ? 0 : Math.Clamp((double)Done / Total, 0, 1);

    /// <summary>Units per second: <see cref="Rate"/> if given, else the average pace so far (NaN before any time passed).</summary>
    public double PerSecond => Rate ?? (Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : double.NaN);

    /// <summary>Time left if the rest goes at the average pace so far; null while nothing is done or the total is unknown.</summary>
    public TimeSpan? Eta => Remaining(Elapsed, Fraction);

    /// <summary>The value of the scalar called <paramref name="name"/>, or null.</summary>
    public double? Scalar(string name) => Scalars.FirstOrDefault(s => s.Name == name)?.Value;

    /// <summary>Time left after <paramref name="elapsed"/> with <paramref name="fraction"/> of the work done, at the same pace; null when nothing is done yet.</summary>
    public static TimeSpan? Remaining(TimeSpan elapsed, double fraction) =>
        !(fraction > 0) ? null
        : fraction >= 1 ? TimeSpan.Zero
        : TimeSpan.FromTicks((long)Math.Round(elapsed.Ticks * (1 - fraction) / fraction));   // in ticks: half done leaves exactly the elapsed time
}
