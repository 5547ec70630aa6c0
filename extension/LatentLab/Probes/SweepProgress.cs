namespace LatentLab.Probes;

/// <summary>Progress of a probe sweep, reported after each layer.</summary>
/// <param name="LayersDone">Layers finished so far.</param>
/// <param name="LayersTotal">Layers in the sweep.</param>
/// <param name="CellsDone">(layer, position) cells finished.</param>
/// <param name="CellsTotal">All cells of the sweep.</param>
/// <param name="Elapsed">Time since the sweep started.</param>
/// <param name="Message">One line for a progress display, e.g. "layer 3/8: best accuracy 0.91 at position 17".</param>
public sealed record SweepProgress(int LayersDone, int LayersTotal, int CellsDone, int CellsTotal, TimeSpan Elapsed, string Message)
{
    public double Fraction => CellsTotal == 0 ? 1 : (double)CellsDone / CellsTotal;

    /// <summary>The best held-out accuracy of the layer just finished (NaN when not known).</summary>
    public double BestAccuracy { get; init; } = double.NaN;
}
