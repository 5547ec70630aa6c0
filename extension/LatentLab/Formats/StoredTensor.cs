namespace LatentLab.Formats;

/// <summary>One array inside a file: its name, element type, shape and the absolute byte offset of its data.</summary>
public sealed record StoredTensor(string Name, ArrayDType DType, long[] Shape, long Offset)
{
    /// <summary>Elements in the array (checked: the readers refuse shapes whose product overflows).</summary>
    public long ElementCount => ArrayShape.ElementCount(Shape, $"tensor '{Name}'");
    public long Bytes => ArrayShape.ByteCount(Shape, DType, $"tensor '{Name}'");
    public string ShapeText => ArrayShape.Text(Shape);
}
