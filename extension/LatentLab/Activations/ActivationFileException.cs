using LatentLab.Formats;

namespace LatentLab.Activations;

/// <summary>
/// Activations, labels, groups, baseline scores or lengths given to an <see cref="ActivationSet"/> do not fit together
/// (wrong shape for (N, L, P, D), one label per question missing, a single class, NaN in a layer). The message names the
/// file (or "in-memory activations"), what is wrong and what was expected. Problems of the file format itself are
/// <see cref="ArrayFileException"/>s, the base type: catch that one for both.
/// </summary>
public sealed class ActivationFileException(string file, string problem, Exception? inner = null) : ArrayFileException(file, problem, inner);
