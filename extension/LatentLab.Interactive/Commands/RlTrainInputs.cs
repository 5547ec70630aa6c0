using LatentLab.Options;
using LatentLab.Reinforcement;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// What <c>#!rl-train</c> reads besides the <see cref="PpoOptions"/> knobs: the reference, the algorithm, GRPO's own knobs and
/// where to save. GRPO reuses PPO's flags where the two share a knob (<c>--seeds</c>, <c>--kl</c>, ...) with GRPO's defaults; its
/// ranges are <see cref="GrpoOptions"/>'s own.
/// </summary>
public sealed record RlTrainInputs : IKnobRules
{
    [Knob("--reference", "The reference policy: a C# variable from #!rl-bake (or an AlignmentPolicy / RlRun), or a policy file saved with --save.",
        TypeHint = "variable|path")]
    public string? Reference { get; init; }

    [Knob("--algorithm", "ppo (KL per token in the reward) or grpo (group-normalised advantages, k3 KL in the loss); shared flags take each one's defaults.")]
    public RlAlgorithm Algorithm { get; init; } = RlAlgorithm.Ppo;

    [Knob("--prompts", "GRPO: contexts (prompts) per seed per iteration.", DefaultText = "8")]
    public int? Prompts { get; init; }

    [Knob("--group-size", "GRPO: episodes per context, the group (DeepSeekMath: 64).", DefaultText = "64")]
    public int? GroupSize { get; init; }

    [Knob("--kl-placement", "GRPO: loss-k3 (the k3 estimator in the loss, DeepSeekMath) or reward (KL in the sequence reward).", DefaultText = "loss-k3")]
    public GrpoKlPlacement? KlPlacement { get; init; }

    [Knob("--no-std-scaling", "GRPO: do not divide the group-centred rewards by the group's std (DeepSeekMath divides).")]
    public bool NoStdScaling { get; init; }

    [Knob("--grid", "Runs every combination of two settings instead of one run, e.g. \"kl=0,0.04; concern-cost=0,0.1\" (environment rewards or numeric knobs of the algorithm).",
        TypeHint = "text")]
    public string? Grid { get; init; }

    [Knob("--save", "Also save the trained policy (all seeds, with its environment) to this file.", TypeHint = "path")]
    public string? Save { get; init; }

    /// <summary>The GRPO-only knobs that are set, as (flag, text) for <see cref="OptionSchema.With{T}(T, IEnumerable{KeyValuePair{string, string}})"/> on <see cref="GrpoOptions"/>.</summary>
    public IEnumerable<KeyValuePair<string, string?>> GrpoValues()
    {
        var schema = OptionSchema.For<RlTrainInputs>();
        if (Prompts is { } p) yield return new("--prompts", schema.Of(nameof(Prompts)).Format(p));
        if (GroupSize is { } g) yield return new("--group-size", schema.Of(nameof(GroupSize)).Format(g));
        if (KlPlacement is { } k) yield return new("--kl-placement", schema.Of(nameof(KlPlacement)).Format(k));
        if (NoStdScaling) yield return new("--no-std-scaling", null);
    }

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Grid is { } grid)
        {
            string? problem = null;
            try
            {
                var (a, _, b, _) = RlGrid.Parse(grid);
                var options = Algorithm == RlAlgorithm.Ppo ? typeof(PpoOptions) : typeof(GrpoOptions);
                if (RlGrid.Resolve(a, options) == RlGrid.Resolve(b, options)) problem = $"{{Grid}}: both settings are '{a}'; give two different settings.";
            }
            catch (ArgumentException e)
            {
                problem = e.Message;
            }
            if (problem is not null) yield return problem;
            if (Save is not null) yield return "{Save} saves one policy, but {Grid} trains one per point: drop one of them (each point's policy: grid.Points[i].Run.Policy).";
        }
        if (Algorithm == RlAlgorithm.Ppo)
        {
            foreach (var (set, name) in new[] { (Prompts is not null, nameof(Prompts)), (GroupSize is not null, nameof(GroupSize)),
                         (KlPlacement is not null, nameof(KlPlacement)), (NoStdScaling, nameof(NoStdScaling)) })
                if (set) yield return $"{{{name}}} is a GRPO knob, but {{Algorithm}} is ppo: add --algorithm grpo, or drop {{{name}}}.";
            yield break;
        }
        // GRPO's own ranges, as GrpoOptions declares them.
        var grpo = OptionSchema.For<GrpoOptions>();
        var problems = new List<string>();
        try
        {
            problems.AddRange(grpo.Knobs.Where(k => k.Flag is "--prompts" or "--group-size")
                .Select(k => k.Check(k.Property.GetValue(grpo.With(new GrpoOptions(), GrpoValues())))).OfType<string>());
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
        }
        foreach (var problem in problems) yield return problem;
    }
}
