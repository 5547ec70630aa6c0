using LatentLab.Activations;
using LatentLab.Models;
using LatentLab.Probes;
using LatentLab.Reports;

namespace LatentLab.Interactive.Formatting;

/// <summary>
/// The live panels of <c>#!probe-sweep</c> and <c>#!cot-synthetic</c>: LatentLab's <see cref="RunPanel"/> with what
/// each run is about to do (the figures come from <see cref="ProgressConversions"/>).
/// </summary>
public static class ProbeProgressView
{
    public static RunPanel Sweep(ActivationSet set) =>
        new($"Probe sweep: reading {set.Count} questions x {set.Layers} layers x {set.Positions} positions x {set.Dim} dims…");

    public static RunPanel Training(CotSyntheticOptions o) =>
        new($"cot-synthetic: training a {o.Layers}-block transformer (width {o.Width}) for {o.Steps} steps…");
}
