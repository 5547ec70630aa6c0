namespace LatentLab.Probes;

/// <summary>
/// Assigns every question to one of k folds: stratified by label (each fold gets about 1/k of every class) and, when
/// group ids are given, grouped (all questions of a group land in the same fold). Seeded: same inputs, same folds.
/// </summary>
public static class CrossValidationFolds
{
    /// <summary>Fold index (0..k-1) of every question.</summary>
    public static int[] Assign(IReadOnlyList<int> labels, IReadOnlyList<int>? groups, int k, int seed)
    {
        if (k < 2) throw new ArgumentException($"--folds {k}: need at least 2 folds.");
        int n = labels.Count;
        if (n < k) throw new ArgumentException($"--folds {k}: only {n} questions; use at most {n} folds.");
        int classes = labels.Max() + 1;
        var rng = new Random(seed);
        var fold = new int[n];
        if (groups is null)
        {
            int offset = 0;
            for (int c = 0; c < classes; c++)
            {
                var members = Enumerable.Range(0, n).Where(i => labels[i] == c).ToArray();
                rng.Shuffle(members);
                for (int j = 0; j < members.Length; j++) fold[members[j]] = (offset + j) % k;
                offset = (offset + members.Length) % k;
            }
        }
        else
        {
            var byGroup = Enumerable.Range(0, n).GroupBy(i => groups[i]).Select(g => g.ToArray()).ToArray();
            if (byGroup.Length < k)
                throw new ArgumentException($"--folds {k}: the questions fall into only {byGroup.Length} groups and folds never split a group; use --folds {Math.Max(2, byGroup.Length)} or fewer.");
            rng.Shuffle(byGroup);
            var order = byGroup.OrderByDescending(g => g.Length).ToArray(); // stable: ties keep the shuffled order
            var classTotals = new double[classes];
            foreach (var l in labels) classTotals[l]++;
            var counts = new double[k, classes];
            foreach (var g in order)
            {
                var gc = new double[classes];
                foreach (var i in g) gc[labels[i]]++;
                int best = 0;
                double bestCost = double.PositiveInfinity;
                for (int f = 0; f < k; f++)
                {
                    // Squared distance of every fold's class counts from its share (1/k of each class) after adding this group.
                    double cost = 0;
                    for (int c = 0; c < classes; c++)
                        cost += Sq(counts[f, c] + gc[c] - classTotals[c] / k) - Sq(counts[f, c] - classTotals[c] / k);
                    if (cost < bestCost - 1e-12) { bestCost = cost; best = f; }
                }
                for (int c = 0; c < classes; c++) counts[best, c] += gc[c];
                foreach (var i in g) fold[i] = best;
            }
        }
        Check(labels, groups, fold, k);
        return fold;
    }

    /// <summary>
    /// Checks a fold assignment: values 0..k-1, no empty fold, every training part holds every class, groups unsplit.
    /// Throws <see cref="ArgumentException"/> naming the problem and the fix.
    /// </summary>
    public static void Check(IReadOnlyList<int> labels, IReadOnlyList<int>? groups, IReadOnlyList<int> fold, int k)
    {
        int n = labels.Count;
        if (fold.Count != n) throw new ArgumentException($"fold assignment has {fold.Count} entries for {n} questions; expected one fold per question.");
        if (fold.Any(f => f < 0 || f >= k)) throw new ArgumentException($"fold assignment holds values outside 0..{k - 1} (--folds {k}).");
        int classes = labels.Max() + 1;
        for (int f = 0; f < k; f++)
        {
            if (!fold.Contains(f)) throw new ArgumentException($"fold {f} of {k} is empty; use fewer folds.");
            for (int c = 0; c < classes; c++)
                if (!Enumerable.Range(0, n).Any(i => fold[i] != f && labels[i] == c))
                    throw new ArgumentException($"with --folds {k}, the training part of fold {f} has no question of class {c}; " +
                        "a probe cannot learn a class it never sees. Use fewer folds, or more questions of the rare class.");
        }
        if (groups is not null)
        {
            var seen = new Dictionary<int, int>();
            for (int i = 0; i < n; i++)
                if (seen.TryGetValue(groups[i], out var f) && f != fold[i])
                    throw new ArgumentException($"group {groups[i]} is split across folds {f} and {fold[i]}; folds must keep every group together.");
                else seen[groups[i]] = fold[i];
        }
    }

    static double Sq(double x) => x * x;
}
