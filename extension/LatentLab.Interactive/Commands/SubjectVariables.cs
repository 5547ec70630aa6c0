using LatentLab.Activations;
using LatentLab.Imitation;
using LatentLab.Models;
using LatentLab.Perturbation;
using LatentLab.Reinforcement;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// The perturbation subjects a notebook variable holds, by its type, for <c>#!perturb</c> and <c>#!finetune-attack</c>: one per
/// training seed of an RL lab policy (<c>--training-seeds</c>), the bandit student, the cot-synthetic transformer, or an
/// <see cref="IPerturbationSubject"/> as it is. Subjects made here go to <c>owned</c> (the command disposes them).
/// </summary>
internal static class SubjectVariables
{
    /// <param name="unknown">What to say after "'name' is a TYPE; " for a value of no known kind (what the command needs).</param>
    public static IReadOnlyList<IPerturbationSubject> Of(object value, string option, string name, int trainingSeeds, List<IDisposable> owned, string unknown)
    {
        T Own<T>(T s) where T : IDisposable { owned.Add(s); return s; }
        IReadOnlyList<IPerturbationSubject> OwnAll<T>(IReadOnlyList<T> subjects) where T : IPerturbationSubject, IDisposable
        {
            foreach (var s in subjects) owned.Add(s);
            return [.. subjects.Cast<IPerturbationSubject>()];
        }
        return value switch
        {
            IPerturbationSubject s => [s],
            AlignmentPolicy p => OwnAll(PolicySubject.ForTrainingSeeds(name, p, trainingSeeds)),
            RlRun r => OwnAll(PolicySubject.ForTrainingSeeds(name, r.Policy, trainingSeeds)),
            BakedReference b => OwnAll(PolicySubject.ForTrainingSeeds(name, b.Policy, trainingSeeds)),
            TrainedStudent t => OwnAll(StudentSubject.ForTrainingSeeds(name, t, trainingSeeds)),
            CotSyntheticResult c => [Own(new CotSyntheticSubject(name, c))],
            ActivationSet a when CotSyntheticResult.Of(a) is { } c => [Own(new CotSyntheticSubject(name, c))],
            ActivationSet => throw new CommandException(
                $"{option} {name}: '{name}' is an ActivationSet without the model that recorded it (loaded from a file, or from #!llm-cot); " +
                "give the variable #!cot-synthetic bound in this kernel, or a CotSyntheticResult."),
            _ => throw new CommandException($"{option} {name}: '{name}' is {ResultBinding.WithArticle(value.GetType().Name)}; {unknown}"),
        };
    }
}
