using LatentLab.Options;

namespace LatentLab.Reinforcement;

/// <summary>Shape of an <see cref="AlignmentPolicy"/>: a small MLP that sees the context and its earlier decisions.</summary>
public sealed record PolicyOptions
{
    /// <summary>Units per hidden layer (1..1024).</summary>
    [Knob("--width", "Units per hidden layer of the policy MLP.", Min = 1, Max = 1024)]
    public int Width { get; init; } = 64;

    /// <summary>Number of hidden layers (0..8; 0 = a linear policy).</summary>
    [Knob("--depth", "Hidden layers of the policy MLP (0: a linear policy).", Min = 0, Max = 8)]
    public int Depth { get; init; } = 2;

    /// <summary>Hidden nonlinearity (Relu for the rescaling control).</summary>
    [Knob("--activation", "Hidden nonlinearity (relu for the rescaling control).")]
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
}
