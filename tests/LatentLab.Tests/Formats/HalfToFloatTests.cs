using LatentLab.Formats;

namespace LatentLab.Tests.Formats;

public class HalfToFloatTests
{
    [Fact]
    public unsafe void EveryFloat16Value_ConvertsExactlyAsTheScalarCast()
    {
        // All 65536 bit patterns (normals, subnormals, zeros, infinities, NaNs), at offsets 0 and 3 so the vector loop and
        // the scalar tail both see every value.
        var bits = new ushort[65536 + 3];
        for (int i = 0; i < bits.Length; i++) bits[i] = (ushort)(i - 3);
        var dst = new float[bits.Length];
        foreach (int offset in new[] { 0, 3 })
        {
            Array.Clear(dst);
            fixed (ushort* s = bits)
            fixed (float* d = dst)
                ArrayDTypes.ToFloat(ArrayDType.Float16, (byte*)(s + offset), d + offset, bits.Length - offset);
            for (int i = offset; i < bits.Length; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
                if (float.IsNaN(expected))
                    Assert.True(float.IsNaN(dst[i]), $"0x{bits[i]:X4}: NaN expected, got {dst[i]}");
                else
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(dst[i]),
                        $"0x{bits[i]:X4} (offset {offset}): expected {expected:R}, got {dst[i]:R}");
            }
        }
    }
}
