namespace LatentLab.Formats;

/// <summary>
/// Element and byte counts of an array shape with checked arithmetic: a header that claims a shape whose product
/// overflows 64 bits gets a message naming the file and the shape, not an overflow deep in a reader.
/// </summary>
public static class ArrayShape
{
    /// <summary>"(6, 2, 3, 4)"; "(6,)" for one dimension; "()" for a scalar.</summary>
    public static string Text(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";

    /// <summary>The product of the dimensions; throws <see cref="ArrayFileException"/> naming <paramref name="file"/> when one is negative or the product overflows.</summary>
    public static long ElementCount(IReadOnlyList<long> shape, string file)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArrayFileException(file, $"shape {Text(shape)} has a negative dimension; expected sizes >= 0 (the header is damaged or was not written by numpy / safetensors).");
            try { count = checked(count * d); }
            catch (OverflowException)
            {
                throw new ArrayFileException(file, $"shape {Text(shape)} has more than {long.MaxValue} elements (the product of its dimensions overflows 64 bits); " +
                    "the header is damaged or lies about the shape. Re-export the array.");
            }
        }
        return count;
    }

    /// <summary>Bytes of an array of <paramref name="dtype"/> and <paramref name="shape"/>, with the same checks as <see cref="ElementCount"/>.</summary>
    public static long ByteCount(IReadOnlyList<long> shape, ArrayDType dtype, string file)
    {
        long count = ElementCount(shape, file);
        try { return checked(count * ArrayDTypes.Size(dtype)); }
        catch (OverflowException)
        {
            throw new ArrayFileException(file, $"shape {Text(shape)} of {ArrayDTypes.Name(dtype)} needs more than {long.MaxValue} bytes (the byte count overflows 64 bits); " +
                "the header is damaged or lies about the shape. Re-export the array.");
        }
    }
}
