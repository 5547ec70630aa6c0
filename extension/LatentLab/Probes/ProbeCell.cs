namespace LatentLab.Probes;

/// <summary>
/// One (layer, position) cell of a sweep: cross-validated accuracy of its linear probe with a 95% Wilson interval,
/// the control-task accuracy and selectivity (Hewitt &amp; Liang 2019), and the answer-letter baseline's accuracy.
/// </summary>
/// <param name="Layer">Layer index in the activation set.</param>
/// <param name="Position">Column: token index (align start), offset from the end (align end: -1 = last) or bin index.</param>
/// <param name="Accuracy">Held-out accuracy pooled over the folds (each question predicted once, by the fold that held it out).</param>
/// <param name="AccuracyCiLow">Wilson 95% interval, low end.</param>
/// <param name="AccuracyCiHigh">Wilson 95% interval, high end.</param>
/// <param name="ControlAccuracy">Same probe and folds trained on the control labels (NaN when the control is off).</param>
/// <param name="Selectivity">Accuracy - ControlAccuracy.</param>
/// <param name="BaselineAccuracy">Accuracy of argmax over the answer-letter scores at this column (NaN without scores).</param>
/// <param name="Questions">Questions that have this column (all N unless chains differ in length).</param>
/// <param name="Correct">Questions predicted correctly.</param>
public sealed record ProbeCell(int Layer, int Position, double Accuracy, double AccuracyCiLow, double AccuracyCiHigh,
    double ControlAccuracy, double Selectivity, double BaselineAccuracy, int Questions, int Correct);
