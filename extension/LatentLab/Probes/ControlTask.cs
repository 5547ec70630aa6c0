namespace LatentLab.Probes;

/// <summary>
/// Control labels after Hewitt &amp; Liang (2019): each question gets a random label, fixed by the seed, with exactly the
/// class balance of the real labels: a seeded permutation of the labels within each cross-validation fold, so every fold
/// keeps its (stratified) class balance and the control's held-out accuracy carries no fold-imbalance bias. A probe that scores well on them memorises rather than reads;
/// selectivity = accuracy - control accuracy. With groups (e.g. paraphrases of one question), the unit is the group, as
/// the word type is in Hewitt &amp; Liang: the groups of a fold swap their labels (a group's label is that of its first
/// question), and every question of a group gets its group's control label.
/// </summary>
public static class ControlTask
{
    /// <param name="labels">Class index per question.</param>
    /// <param name="folds">Fold per question (null: one permutation over all questions).</param>
    /// <param name="seed">Same seed, same control labels.</param>
    /// <param name="groups">Group per question (null: every question is its own group). Folds must not split a group.</param>
    public static int[] Labels(IReadOnlyList<int> labels, IReadOnlyList<int>? folds, int seed, IReadOnlyList<int>? groups = null)
    {
        int n = labels.Count;
        var control = labels.ToArray();
        var rng = new Random(unchecked(seed * 7919 + 104729));
        // Units: one per group (first-seen order), or one per question.
        var unitOf = new int[n];
        var members = new List<List<int>>();
        var unitOfGroup = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            if (groups is null || !unitOfGroup.TryGetValue(groups[i], out var u))
            {
                u = members.Count;
                members.Add([]);
                if (groups is not null) unitOfGroup[groups[i]] = u;
            }
            unitOf[i] = u;
            members[u].Add(i);
        }
        var blocks = folds is null ? [Enumerable.Range(0, members.Count).ToArray()]
            : Enumerable.Range(0, members.Count).GroupBy(u => folds[members[u][0]]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        foreach (var units in blocks)
        {
            var values = units.Select(u => labels[members[u][0]]).ToArray();
            rng.Shuffle(values);
            for (int j = 0; j < units.Length; j++)
                foreach (var i in members[units[j]]) control[i] = values[j];
        }
        return control;
    }
}
