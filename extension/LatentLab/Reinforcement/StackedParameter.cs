using TorchSharp.Modules;

namespace LatentLab.Reinforcement;

/// <summary>
/// One parameter of a stacked-seed policy network (<see cref="IPolicyNetwork"/>), with what checkpoints, baking and perturbation
/// scopes need to know about it.
/// </summary>
/// <param name="Name">Its name, e.g. <c>w0</c>, <c>b2</c>, <c>w_hh1</c> (what a perturbation's <c>filter:TEXT</c> matches).</param>
/// <param name="Value">The parameter, (S, ...) with the seeds on the leading axis.</param>
/// <param name="Layer">Layer index: 0 reads the input; the head (the layer that emits the logits) is the last.</param>
/// <param name="IsBias">A bias vector (S, 1, out).</param>
/// <param name="IsHead">Belongs to the output head.</param>
/// <param name="ReadsInput">A weight (S, in, out) whose rows are the network's input features (axis 1 of the stack).</param>
public sealed record StackedParameter(string Name, Parameter Value, int Layer, bool IsBias, bool IsHead, bool ReadsInput);
