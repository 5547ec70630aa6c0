namespace LatentLab.Reinforcement;

/// <summary>Shape of an <see cref="AlignmentPolicy"/>: a small MLP that sees the context and its earlier decisions.</summary>
public sealed record PolicyOptions
{
    /// <summary>Units per hidden layer (1..1024).</summary>
    public int Width { get; init; } = 64;

    /// <summary>Number of hidden layers (0..8; 0 = a linear policy).</summary>
    public int Depth { get; init; } = 2;

    /// <summary>Hidden nonlinearity (Relu for the rescaling control).</summary>
    public MlpActivation Activation { get; init; } = MlpActivation.Tanh;

    /// <summary>Whether the mode and answer decisions see the number of concerns written (false: the ablation that cannot couple them).</summary>
    public bool SeesConcerns { get; init; } = true;

    /// <summary>Gain of the output layer's orthogonal initialisation (CleanRL's actor: 0.01, near-uniform start), (0..10).</summary>
    public double OutputGain { get; init; } = 0.01;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first out-of-range option.</summary>
    public void Check()
    {
        if (Width is < 1 or > 1024) throw new ArgumentException($"Width = {Width}: use 1..1024 units.");
        if (Depth is < 0 or > 8) throw new ArgumentException($"Depth = {Depth}: use 0..8 hidden layers.");
        if (!(OutputGain > 0 && OutputGain <= 10)) throw new ArgumentException($"OutputGain = {OutputGain}: use a value in (0, 10].");
    }
}
