using LatentLab.Perturbation;

namespace LatentLab.Tests.Perturbation;

/// <summary>Assertions the fine-tuning attack tests of every subject share.</summary>
static class FineTuneAttackAssert
{
    /// <summary>Two runs with the same options: the same k50 and every metric of every copy at every step count, attack and control.</summary>
    public static void SameNumbers(FineTuneAttackResult a, FineTuneAttackResult b, IReadOnlyList<string> metrics, int seeds)
    {
        Assert.Equal(a.AttackK50, b.AttackK50);
        for (int p = 0; p < a.Attack.Grid.Count; p++)
            for (int r = 0; r < seeds; r++)
                foreach (var m in metrics)
                {
                    Assert.Equal(a.Attack.Value(p, r, m), b.Attack.Value(p, r, m));
                    Assert.Equal(a.Control.Value(p, r, m), b.Control.Value(p, r, m));
                }
    }
}
