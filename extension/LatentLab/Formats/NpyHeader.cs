namespace LatentLab.Formats;

/// <summary>The parsed header of a .npy array: element type, shape (C order) and where the data starts.</summary>
public sealed record NpyHeader(ArrayDType DType, long[] Shape, long DataOffset)
{
    /// <summary>Elements in the array (checked: <see cref="NpyFile.ReadHeader(Stream, string, long?)"/> refuses shapes that overflow).</summary>
    public long ElementCount => ArrayShape.ElementCount(Shape, "a .npy header");
    public long DataBytes => ArrayShape.ByteCount(Shape, DType, "a .npy header");
}
