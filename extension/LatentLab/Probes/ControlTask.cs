namespace LatentLab.Probes;

/// <summary>
/// Control labels after Hewitt &amp; Liang (2019): each question gets a random label, fixed by the seed, with exactly the
/// class balance of the real labels (a seeded permutation). A probe that scores well on them memorises rather than reads;
/// selectivity = accuracy - control accuracy.
/// </summary>
public static class ControlTask
{
    public static int[] Labels(IReadOnlyList<int> labels, int seed)
    {
        var control = labels.ToArray();
        new Random(unchecked(seed * 7919 + 104729)).Shuffle(control);
        return control;
    }
}
