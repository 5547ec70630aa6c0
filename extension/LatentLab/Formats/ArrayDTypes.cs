using System.Runtime.Intrinsics;

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
                HalfToFloat((ushort*)src, dst, count);
                break;
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

    /// <summary>
    /// float16 bits to float32, exactly as (float)Half does, 16 values per step with 256-bit vectors (a memory-mapped
    /// float16 layer is read through here). Per value: exponent and mantissa move up 13 bits and the exponent is rebased
    /// by 127 - 15; an all-ones exponent (infinity, NaN) is rebased once more to 255; a zero exponent (zero, subnormal) is
    /// renormalised by one float subtraction, exact since the result is representable; then the sign is put back.
    /// </summary>
    public static unsafe void HalfToFloat(ushort* src, float* dst, long count)
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var shiftedExp = Vector256.Create(0x7C00u << 13);                     // a half's exponent field after the shift
            var rebase = Vector256.Create((127u - 15u) << 23);
            var magic = Vector256.Create(113u << 23).AsSingle();                  // 2^-14
            for (; i + 16 <= count; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(src + i));          // 2 x (8) uint
                Vector256.Store(Convert8(lo), dst + i);
                Vector256.Store(Convert8(hi), dst + i + 8);
            }

            Vector256<float> Convert8(Vector256<uint> h)
            {
                var u = (h & Vector256.Create(0x7FFFu)) << 13;
                var e = u & shiftedExp;
                u += rebase;
                u += Vector256.Equals(e, shiftedExp) & rebase;                   // infinity / NaN: exponent 255
                var sub = (u + Vector256.Create(1u << 23)).AsSingle() - magic;   // zero / subnormal, renormalised
                var f = Vector256.ConditionalSelect(Vector256.Equals(e, Vector256<uint>.Zero).AsSingle(), sub, u.AsSingle());
                return (f.AsUInt32() | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
            }
        }
        var s = (Half*)src;
        for (; i < count; i++) dst[i] = (float)s[i];
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
