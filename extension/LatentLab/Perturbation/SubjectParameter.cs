using static TorchSharp.torch;

namespace LatentLab.Perturbation;

/// <summary>
/// One parameter tensor of a subject, unstacked (the shape of one network's tensor), with what a scope needs to pick it.
/// </summary>
/// <param name="Name">Its name, e.g. <c>w0</c>, <c>b2</c>, <c>lstm.weight_ih_l0</c> (what <c>filter:TEXT</c> matches).</param>
/// <param name="Value">The clean tensor (not copied; never modified by a sweep).</param>
/// <param name="Layer">Layer index (0 = the layer that reads the input).</param>
/// <param name="IsBias">A bias vector.</param>
/// <param name="IsHead">Belongs to the output head (the layer that emits the logits).</param>
/// <param name="InputAxis">For a weight that reads the network's input: the axis indexed by input feature
/// (<see cref="IPerturbationSubject.InputNames"/>); -1 otherwise.</param>
public sealed record SubjectParameter(string Name, Tensor Value, int Layer, bool IsBias, bool IsHead, int InputAxis = -1)
{
    /// <summary>The tensor's shape.</summary>
    public long[] Shape => Value.shape;
}
