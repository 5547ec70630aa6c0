namespace LatentLab.Formats;

/// <summary>Sizes and conversions of <see cref="ArrayDType"/> values (little-endian data).</summary>
public static class ArrayDTypes
{
    public static int Size(ArrayDType t) => t switch
    {
        ArrayDType.Float16 or ArrayDType.BFloat16 or ArrayDType.Int16 => 2,
        ArrayDType.Float32 or ArrayDType.Int32 => 4,
        ArrayDType.Float64 or ArrayDType.Int64 => 8,
        _ => 1,
    };

    public static bool IsFloat(ArrayDType t) => t is ArrayDType.Float16 or ArrayDType.BFloat16 or ArrayDType.Float32 or ArrayDType.Float64;

    /// <summary>The lower-case name used in messages: float16, bfloat16, float32, int64, ...</summary>
    public static string Name(ArrayDType t) => t.ToString().ToLowerInvariant();

    /// <summary>True when a <typeparamref name="T"/> value holds one element of <paramref name="t"/> as it is stored
    /// (float for Float32, Half for Float16, ushort bits for BFloat16, long for Int64, byte for UInt8 and Bool, ...).</summary>
    public static bool Holds<T>(ArrayDType t) where T : unmanaged => t switch
    {
        ArrayDType.Float16 => typeof(T) == typeof(Half),
        ArrayDType.BFloat16 => typeof(T) == typeof(ushort),
        ArrayDType.Float32 => typeof(T) == typeof(float),
        ArrayDType.Float64 => typeof(T) == typeof(double),
        ArrayDType.Int8 => typeof(T) == typeof(sbyte),
        ArrayDType.UInt8 or ArrayDType.Bool => typeof(T) == typeof(byte),
        ArrayDType.Int16 => typeof(T) == typeof(short),
        ArrayDType.Int32 => typeof(T) == typeof(int),
        ArrayDType.Int64 => typeof(T) == typeof(long),
        _ => false,
    };

    /// <summary>Converts <paramref name="count"/> elements at <paramref name="src"/> to float32.</summary>
    public static unsafe void ToFloat(ArrayDType t, byte* src, float* dst, long count)
    {
        switch (t)
        {
            case ArrayDType.Float32:
                Buffer.MemoryCopy(src, dst, count * 4, count * 4);
                break;
            case ArrayDType.Float16:
                {
                    var s = (Half*)src;
                    for (long i = 0; i < count; i++) dst[i] = (float)s[i];
                    break;
                }
            case ArrayDType.BFloat16:
                {
                    var s = (ushort*)src;
                    for (long i = 0; i < count; i++) dst[i] = BitConverter.Int32BitsToSingle(s[i] << 16);
                    break;
                }
            case ArrayDType.Float64:
                {
                    var s = (double*)src;
                    for (long i = 0; i < count; i++) dst[i] = (float)s[i];
                    break;
                }
            default:
                for (long i = 0; i < count; i++) dst[i] = (float)ReadInteger(t, src + i * Size(t));
                break;
        }
    }

    /// <summary>Reads one element as a double (any type).</summary>
    public static unsafe double ReadAsDouble(ArrayDType t, byte* p) => t switch
    {
        ArrayDType.Float16 => (double)*(Half*)p,
        ArrayDType.BFloat16 => BitConverter.Int32BitsToSingle(*(ushort*)p << 16),
        ArrayDType.Float32 => *(float*)p,
        ArrayDType.Float64 => *(double*)p,
        _ => ReadInteger(t, p),
    };

    static unsafe long ReadInteger(ArrayDType t, byte* p) => t switch
    {
        ArrayDType.Int8 => *(sbyte*)p,
        ArrayDType.UInt8 or ArrayDType.Bool => *p,
        ArrayDType.Int16 => *(short*)p,
        ArrayDType.Int32 => *(int*)p,
        ArrayDType.Int64 => *(long*)p,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };
}
