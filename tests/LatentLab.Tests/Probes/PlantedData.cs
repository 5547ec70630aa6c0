namespace LatentLab.Tests.Probes;

/// <summary>
/// Small activation arrays (N, L, P, D) with a planted signal: Gaussian noise everywhere, plus a class-dependent shift
/// along the first dims in the cells <paramref name="lit"/> says. Deterministic (seeded).
/// </summary>
public static class PlantedData
{
    public static (float[] Data, int[] Labels) Make(int n, int l, int p, int d, Func<int, int, bool> lit, int classes = 2, double strength = 3.0, int seed = 1)
    {
        var rng = new Random(seed);
        var labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        rng.Shuffle(labels);
        var data = new float[n * l * p * d];
        int o = 0;
        for (int i = 0; i < n; i++)
            for (int a = 0; a < l; a++)
                for (int b = 0; b < p; b++)
                    for (int j = 0; j < d; j++)
                    {
                        double noise = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                        // class c shifts dim c (one-hot code), so every class is linearly separable from the others
                        double signal = lit(a, b) && j == labels[i] ? strength : 0;
                        data[o++] = (float)(noise + signal);
                    }
        return (data, labels);
    }

    public static byte[] Bytes(float[] data)
    {
        var b = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, b, 0, b.Length);
        return b;
    }

    public static byte[] HalfBytes(float[] data) =>
        data.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray();

    public static byte[] BFloat16Bytes(float[] data) =>
        data.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(v) >> 16))).ToArray();

    public static byte[] LongBytes(int[] values) => values.SelectMany(v => BitConverter.GetBytes((long)v)).ToArray();
}
