namespace LatentLab.Formats;

/// <summary>The parsed header of a .npy array: element type, shape (C order) and where the data starts.</summary>
public sealed record NpyHeader(ArrayDType DType, long[] Shape, long DataOffset)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long DataBytes => ElementCount * ArrayDTypes.Size(DType);
}
