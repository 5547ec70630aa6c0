using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>
/// Shape of an <see cref="AlignmentPolicy"/>: a small MLP (default) or GRU that sees the context and its earlier decisions.
/// Width is the MLP's hidden units or the GRU's hidden size; Depth the MLP's hidden layers or the GRU's stacked layers
/// (both under a linear head).
/// </summary>
public sealed record PolicyOptions : IKnobRules
{
    /// <summary>
    /// The network: an MLP that sees the context and every earlier decision (one-hot) at each decision, or a GRU that reads the
    /// context once, then each decision it made, one step at a time (its state carries the rest).
    /// </summary>
    [Knob("--policy", "Policy network: mlp (sees the context and every earlier decision at each decision) or gru (reads the context once, " +
        "then each decision it made, step by step).")]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public PolicyArchitecture Architecture { get; init; } = PolicyArchitecture.Mlp;

    /// <summary>Units per hidden layer, or the GRU's hidden size (1..1024).</summary>
    [Knob("--width", "Units per hidden layer of the policy MLP, or the GRU's hidden size.", Min = 1, Max = 1024)]
    public int Width { get; init; } = 64;

    /// <summary>Number of hidden layers of the MLP (0..8; 0 = a linear policy), or of stacked GRU layers (1..8).</summary>
    [Knob("--depth", "Hidden layers of the policy MLP (0: a linear policy), or stacked GRU layers (at least 1).", Min = 0, Max = 8)]
    public int Depth { get; init; } = 2;

    /// <summary>Hidden nonlinearity of the MLP (Relu for the rescaling control); the GRU's are fixed (sigmoid gates, tanh).</summary>
    [Knob("--activation", "Hidden nonlinearity of the MLP (relu for the rescaling control); the GRU's are fixed.")]
    public MlpActivation Activation { get; init; } = MlpActivation.Tanh;

    /// <summary>Whether the mode and answer decisions see the number of concerns written (false: the ablation that cannot couple them).</summary>
    [Knob("--sees-concerns", "The mode and answer decisions see the concerns written (--blind-to-concerns: the ablation that cannot couple them).", OffFlag = "--blind-to-concerns")]
    public bool SeesConcerns { get; init; } = true;

    /// <summary>Gain of the output layer's orthogonal initialisation (CleanRL's actor: 0.01, near-uniform start), (0..10).</summary>
    [Knob("--output-gain", "Gain of the output layer's orthogonal initialisation (CleanRL's actor: 0.01).", Min = 0, ExclusiveMin = true, Max = 10,
        DefaultText = "0.01; 1 when baking (BakeOptions.Policy)")]
    public double OutputGain { get; init; } = 0.01;

    /// <summary>Throws <see cref="OptionsException"/> naming every bad knob (flag and property) and what is allowed.</summary>
    public void Validate() => OptionSchema.Check(this);

    /// <inheritdoc />
    public IEnumerable<string> BrokenRules()
    {
        if (Architecture != PolicyArchitecture.Gru) yield break;
        if (Depth < 1)
            yield return "{Depth} 0 with {Architecture} gru: a GRU policy needs at least one recurrent layer (depth 0, a linear policy, exists only " +
                         "for the MLP); use --depth 1 or more, or --policy mlp.";
        if (Activation != MlpActivation.Tanh)
            yield return $"{{Activation}} {Activation.ToString().ToLowerInvariant()} with {{Architecture}} gru: the activation is the MLP's hidden " +
                         "nonlinearity; the GRU's are fixed (sigmoid gates, tanh candidate). Drop --activation, or use --policy mlp.";
    }
}
