namespace LatentLab.Perturbation;

/// <summary>What a sweep perturbs.</summary>
public enum PerturbationKind
{
    /// <summary>Each parameter tensor: W' = W + s * RMS(W) * eps.</summary>
    Weights,
    /// <summary>Each layer's output (a hook): h' = h + s * RMS(h) * eps, RMS per copy over the evaluation batch.</summary>
    Activations,
}
