using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// What an RL training command chooses besides the algorithm's own knobs, declared once for every front end
/// (<c>#!rl-train</c> and <c>latentlab rl-train</c>): the algorithm and an optional two-setting grid. The flags of the
/// algorithms are their records' own: <see cref="PpoOptions"/>, and for GRPO the knobs PPO lacks (<see cref="GrpoOnly"/>),
/// with the shared ones (<c>--seeds</c>, <c>--kl</c>, ...) read by <see cref="Grpo(GrpoOptions, IEnumerable{KeyValuePair{string, string}}, IEnumerable{KeyValuePair{string, string}})"/>.
/// </summary>
public sealed record RlTrainChoices : IKnobRules
{
    /// <summary>The algorithm.</summary>
    [Knob("--algorithm", "ppo (KL per token in the reward) or grpo (group-normalised advantages, k3 KL in the loss); shared flags take each one's defaults.")]
    public RlAlgorithm Algorithm { get; init; } = RlAlgorithm.Ppo;

    /// <summary>Two settings and their values, or null for one run.</summary>
    [Knob("--grid", "Runs every combination of two settings instead of one run, e.g. \"kl=0,0.04; concern-cost=0,0.1\" (environment rewards or numeric knobs of the algorithm).",
        TypeHint = "text")]
    public string? Grid { get; init; }

    /// <summary>GRPO's knobs that <see cref="PpoOptions"/> does not have (<c>--prompts</c>, <c>--group-size</c>, <c>--kl-placement</c>, <c>--std-scaling</c>): GrpoOptions' own declarations.</summary>
    public static OptionSchema GrpoOnly { get; } = OptionSchema.Except(typeof(GrpoOptions), typeof(PpoOptions));

    /// <summary>The message for a GRPO-only flag given with <c>--algorithm ppo</c>.</summary>
    public static string GrpoKnobWithPpo(Knob knob) =>
        knob.Tag($"{knob.Flag} is a GRPO knob, but --algorithm is ppo: add --algorithm grpo, or drop {knob.Flag}.");

    /// <summary>
    /// GRPO's options: <paramref name="start"/> (its defaults or a record), the <see cref="PpoOptions"/> flags typed on the line
    /// that GRPO shares (a PPO-only flag throws, naming it), then the GRPO-only flags typed; checked. With <paramref name="source"/>
    /// (the <c>--options</c> file or variable <paramref name="start"/> came from), a value out of range that no flag overrides is
    /// named as the source's.
    /// </summary>
    public static GrpoOptions Grpo(GrpoOptions start, IEnumerable<KeyValuePair<string, string?>> ppoFlags, IEnumerable<KeyValuePair<string, string?>> grpoOnlyFlags,
        string? source = null)
    {
        var grpo = OptionSchema.For<GrpoOptions>();
        var ppo = OptionSchema.For<PpoOptions>();
        var shared = new List<KeyValuePair<string, string?>>();
        foreach (var (flag, text) in ppoFlags)
        {
            if (grpo.Find(flag) is null)
                throw new ArgumentException((ppo.Find(flag) ?? throw new ArgumentException($"{flag} is not a PPO option."))
                    .Tag($"{flag} is a PPO knob; GRPO has none (it has no critic and no minibatches): drop it, or use --algorithm ppo."));
            shared.Add(new(flag, text));
        }
        var line = shared.Concat(grpoOnlyFlags).ToList();
        var record = grpo.With(start, line);
        return source is null ? OptionSchema.Check(record) : OptionSchema.Check(record, source, line.Select(v => v.Key));
    }

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Grid is not { } grid) yield break;
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
    }
}
