namespace LatentLab.Probes;

/// <summary>
/// Control labels after Hewitt &amp; Liang (2019): each question gets a random label, fixed by the seed, with exactly the
/// class balance of the real labels: a seeded permutation of the labels within each cross-validation fold, so every fold
/// keeps its (stratified) class balance and the control's held-out accuracy carries no fold-imbalance bias. A probe that scores well on them memorises rather than reads;
/// selectivity = accuracy - control accuracy.
/// </summary>
public static class ControlTask
{
    /// <param name="labels">Class index per question.</param>
    /// <param name="folds">Fold per question (null: one permutation over all questions).</param>
    /// <param name="seed">Same seed, same control labels.</param>
    public static int[] Labels(IReadOnlyList<int> labels, IReadOnlyList<int>? folds, int seed)
    {
        var control = labels.ToArray();
        var rng = new Random(unchecked(seed * 7919 + 104729));
        var blocks = folds is null ? [Enumerable.Range(0, control.Length).ToArray()]
            : Enumerable.Range(0, control.Length).GroupBy(i => folds[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        foreach (var members in blocks)
        {
            var values = members.Select(i => labels[i]).ToArray();
            rng.Shuffle(values);
            for (int j = 0; j < members.Length; j++) control[members[j]] = values[j];
        }
        return control;
    }
}
