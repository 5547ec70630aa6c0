using LatentLab.Formats;

namespace LatentLab.Activations;

/// <summary>
/// Where layer l's numbers sit in a file: sample n's (P, D) block starts at <c>Base + n * StrideN</c> bytes
/// (for one (N, L, P, D) array: Base = data + l*P*D*size, StrideN = L*P*D*size; for one (N, P, D) array per layer:
/// Base = that array's data, StrideN = P*D*size). For .npz entries, offsets are inside the entry's .npy bytes.
/// </summary>
internal sealed record LayerBlock(string Entry, long Base, long StrideN, ArrayDType DType);
