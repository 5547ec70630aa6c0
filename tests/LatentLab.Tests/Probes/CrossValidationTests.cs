using LatentLab.Probes;
using LatentLab.Statistics;

namespace LatentLab.Tests.Probes;

public class CrossValidationTests
{
    [Fact]
    public void StratifiedFolds_SpreadEveryClassEvenly_AndAreSeeded()
    {
        var labels = Enumerable.Range(0, 103).Select(i => i < 70 ? 0 : i < 95 ? 1 : 2).ToArray();
        var folds = CrossValidationFolds.Assign(labels, null, 5, seed: 4);
        for (int c = 0; c < 3; c++)
        {
            var perFold = Enumerable.Range(0, 5).Select(f => Enumerable.Range(0, labels.Length).Count(i => labels[i] == c && folds[i] == f)).ToArray();
            Assert.True(perFold.Max() - perFold.Min() <= 1, $"class {c}: {string.Join(",", perFold)}");
        }
        var sizes = Enumerable.Range(0, 5).Select(f => folds.Count(x => x == f)).ToArray();
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(",", sizes));
        Assert.Equal(folds, CrossValidationFolds.Assign(labels, null, 5, seed: 4));
        Assert.NotEqual(folds, CrossValidationFolds.Assign(labels, null, 5, seed: 5));
    }

    [Fact]
    public void GroupedFolds_NeverSplitAGroup_AndStayRoughlyStratified()
    {
        var rng = new Random(2);
        var groups = Enumerable.Range(0, 200).Select(i => i / 4).ToArray();     // 50 groups of 4
        var labels = groups.Select(g => g % 2).ToArray();
        var folds = CrossValidationFolds.Assign(labels, groups, 5, seed: 1);
        foreach (var g in groups.Distinct())
            Assert.Single(Enumerable.Range(0, 200).Where(i => groups[i] == g).Select(i => folds[i]).Distinct());
        for (int f = 0; f < 5; f++)
        {
            int ones = Enumerable.Range(0, 200).Count(i => folds[i] == f && labels[i] == 1), all = folds.Count(x => x == f);
            Assert.InRange(all, 36, 44);
            Assert.InRange(ones, 16, 24);
        }
        Assert.NotNull(rng);
    }

    [Fact]
    public void TooFewGroups_OrAClassMissingFromTraining_FailClearly()
    {
        var labels = new[] { 0, 1, 0, 1, 0, 1 };
        var e = Assert.Throws<ArgumentException>(() => CrossValidationFolds.Assign(labels, [0, 0, 0, 1, 1, 1], 3, 0));
        Assert.Contains("only 2 groups", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => CrossValidationFolds.Check(new[] { 0, 0, 0, 1 }, null, new[] { 0, 1, 1, 0 }, 2));
        Assert.Contains("no question of class 1", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => CrossValidationFolds.Check(labels, [0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 1, 0], 2));
        Assert.Contains("split across folds", e3.Message);
    }

    [Fact]
    public void WilsonInterval_MatchesHandComputation()
    {
        // p = 0.8, n = 10, z = 1.96: centre (0.8 + 1.9208/10) / 1.38415 = 0.71668; half-width 1.96 * sqrt(0.016 + 0.0096040) / 1.38415 = 0.22664
        var (lo, hi) = WilsonInterval.Compute(8, 10);
        Assert.Equal(0.490162, lo, 5);
        Assert.Equal(0.943318, hi, 5);
        var (lo0, hi0) = WilsonInterval.Compute(0, 10);
        Assert.Equal(0.0, lo0, 9);
        Assert.Equal(0.277533, hi0, 5);
        var (lo2, hi2) = WilsonInterval.Compute(37, 50);
        Assert.Equal(0.604468, lo2, 5);
        Assert.Equal(0.841285, hi2, 5);
        Assert.True(double.IsNaN(WilsonInterval.Compute(0, 0).Low));
    }

    [Fact]
    public void ControlLabels_KeepEachFoldsClassBalance_AreSeeded_AndDifferFromTheTask()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i % 3 == 0 ? 1 : 0).ToArray();
        var folds = CrossValidationFolds.Assign(labels, null, 5, 0);
        var control = ControlTask.Labels(labels, folds, 9);
        for (int f = 0; f < 5; f++)
            Assert.Equal(Enumerable.Range(0, 100).Where(i => folds[i] == f).Count(i => labels[i] == 1),
                         Enumerable.Range(0, 100).Where(i => folds[i] == f).Count(i => control[i] == 1));
        Assert.Equal(control, ControlTask.Labels(labels, folds, 9));
        Assert.NotEqual(control, ControlTask.Labels(labels, folds, 10));
        int agree = labels.Zip(control).Count(x => x.First == x.Second);
        Assert.InRange(agree, 40, 75); // a random relabelling agrees ~(2/3)^2 + (1/3)^2 = 56% of the time
    }

    [Fact]
    public void ControlLabels_WithGroups_AreOnePerGroup_AndSwapWithinFolds()
    {
        // 60 groups of 3 paraphrases; labels per group; folds keep groups whole.
        var groups = Enumerable.Range(0, 180).Select(i => i / 3).ToArray();
        var labels = groups.Select(g => g % 4 == 0 ? 1 : 0).ToArray();
        var folds = CrossValidationFolds.Assign(labels, groups, 5, 0);
        var control = ControlTask.Labels(labels, folds, 3, groups);
        foreach (var g in groups.Distinct())
            Assert.Single(Enumerable.Range(0, 180).Where(i => groups[i] == g).Select(i => control[i]).Distinct());
        for (int f = 0; f < 5; f++)
            Assert.Equal(Enumerable.Range(0, 180).Where(i => folds[i] == f).Count(i => labels[i] == 1),
                         Enumerable.Range(0, 180).Where(i => folds[i] == f).Count(i => control[i] == 1));
        Assert.NotEqual(labels, control);
        Assert.Equal(control, ControlTask.Labels(labels, folds, 3, groups));
        // Without groups the same call relabels question by question, so some group gets mixed labels.
        var perQuestion = ControlTask.Labels(labels, folds, 3);
        Assert.Contains(groups.Distinct(), g => Enumerable.Range(0, 180).Where(i => groups[i] == g).Select(i => perQuestion[i]).Distinct().Count() > 1);
    }
}
