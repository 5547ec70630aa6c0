using System.Reflection;
using LatentLab.Bandits;
using LatentLab.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Tests.Bandits;

public class CandidatePolicyTests
{
    public CandidatePolicyTests() => TorchRuntime.EnsureInitialized();

    /// <summary>Not a classic policy: always pulls arm 0.</summary>
    sealed class FirstArmPolicy : IBanditPolicy
    {
        long _batch;
        Device _device = CPU;
        public string Name => "first-arm";
        public void Reset(long batch, int arms, Device device, long seed) { _batch = batch; _device = device; }
        public Tensor Act(int step) => zeros(_batch, dtype: int64, device: _device);
        public void Observe(Tensor actions, Tensor rewards) { }
        public void Dispose() { }
    }

    [Fact]
    public void AnyPolicy_IsEvaluatedAsACandidate_PairedWithUcb1_WithItsArmsAndHorizonAsDefaults()
    {
        var candidate = new CandidatePolicy(() => new FirstArmPolicy(), "always arm 0", Arms: 3, TrainHorizon: 10);
        var e = BanditEvaluator.Evaluate(new BanditEvaluationOptions { Episodes = 200, Horizon = 30, Baselines = new[] { "ucb1" } }, new[] { candidate }, torch.CPU);
        Assert.Equal(3, e.Arms);
        Assert.Equal(10, e.TrainHorizon);
        Assert.Equal("always arm 0", e.StudentDescription);
        Assert.Equal(new[] { "first-arm", "ucb1" }, e.Curves.Select(c => c.Policy));
        var d = e.StudentVsUcb1!;
        Assert.Equal(("first-arm", "ucb1"), (d.Policy, d.Reference));
        // Arm 0 is the best of 3 arms a third of the time: its mean regret per pull is E[max - U] = 3/4 - 1/2 = 1/4.
        Assert.InRange(e.Curve("first-arm").Regret[^1] / 30, 0.25 - 0.05, 0.25 + 0.05);
        for (int t = 0; t < 30; t++)                                                 // the mean of the paired differences
            Assert.Equal(e.Curve("first-arm").Regret[t] - e.Curve("ucb1").Regret[t], d.Difference[t], 4);
        var explicitOptions = BanditEvaluator.Evaluate(new BanditEvaluationOptions { Arms = 4, TrainHorizon = 20, Episodes = 8, Horizon = 30, Baselines = new[] { "ucb1" } },
            new[] { candidate }, torch.CPU);
        Assert.Equal((4, 20), (explicitOptions.Arms, explicitOptions.TrainHorizon));   // the options win over the candidate's defaults
    }

    [Fact]
    public void CandidateNamedLikeABaseline_IsRejectedSayingWhatToDo()
    {
        var e = Assert.Throws<ArgumentException>(() => BanditEvaluator.Evaluate(
            new BanditEvaluationOptions { Arms = 3, Episodes = 8, Horizon = 5, Baselines = new[] { "ucb1" } },
            new[] { new CandidatePolicy(() => new Ucb1Policy()) }, torch.CPU));
        Assert.Contains("'ucb1'", e.Message);
        Assert.Contains("Baselines", e.Message);
    }

    [Fact]
    public void BanditsNamespace_KnowsNothingOfImitation()
    {
        // The dependency runs one way: Imitation builds on Bandits; no Bandits signature names an Imitation type.
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var bandits = typeof(BanditEvaluator).Assembly.GetTypes().Where(t => t.Namespace == "LatentLab.Bandits").ToList();
        Assert.Contains(typeof(CandidatePolicy), bandits);
        static IEnumerable<Type> Mentioned(Type t) =>
            t.GetMethods(all).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType))
                .Concat(t.GetFields(all).Select(f => f.FieldType))
                .Concat(t.GetProperties(all).Select(p => p.PropertyType))
                .Concat(t.GetConstructors(all).SelectMany(c => c.GetParameters().Select(p => p.ParameterType)))
                .Concat(t.GetInterfaces()).Append(t.BaseType ?? typeof(object))
                .SelectMany(x => x.IsGenericType ? x.GetGenericArguments().Append(x) : new[] { x });
        var offenders = bandits.SelectMany(t => Mentioned(t).Where(m => m.Namespace == "LatentLab.Imitation").Select(m => $"{t.Name} -> {m.Name}")).ToList();
        Assert.Empty(offenders);
    }
}
