namespace LatentLab.Formats;

/// <summary>One array inside a file: its name, element type, shape and the absolute byte offset of its data.</summary>
public sealed record StoredTensor(string Name, ArrayDType DType, long[] Shape, long Offset)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long Bytes => ElementCount * ArrayDTypes.Size(DType);
    public string ShapeText => "(" + string.Join(", ", Shape) + ")";
}
