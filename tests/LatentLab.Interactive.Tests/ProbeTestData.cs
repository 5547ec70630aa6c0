using System.Runtime.InteropServices;
using LatentLab.Formats;

namespace LatentLab.Interactive.Tests;

/// <summary>
/// Small activation files as a user would export them from numpy, with a planted signal: at <see cref="SignalLayer"/>,
/// positions <see cref="SignalFrom"/> and later, dimension 0 carries the label (plus noise); everything else is noise.
/// The baseline (answer-letter logits) is right only at the last position.
/// </summary>
public sealed class ProbeTestData : IDisposable
{
    public const int N = 120, L = 3, P = 6, D = 8, SignalLayer = 2, SignalFrom = 3;

    public string Folder { get; } = Directory.CreateTempSubdirectory("latentlab-probe-tests-").FullName;
    public string Activations => Path.Combine(Folder, "acts.npy");
    public string Labels => Path.Combine(Folder, "labels.npy");
    public string Baseline => Path.Combine(Folder, "letter_logits.npy");
    public int[] LabelValues { get; }

    public ProbeTestData(int seed = 7)
    {
        var rng = new Random(seed);
        LabelValues = Enumerable.Range(0, N).Select(i => i % 2).OrderBy(_ => rng.Next()).ToArray();
        var acts = new float[N * L * P * D];
        for (int i = 0; i < N; i++)
            for (int l = 0; l < L; l++)
                for (int p = 0; p < P; p++)
                    for (int d = 0; d < D; d++)
                    {
                        float noise = (float)Gaussian(rng);
                        bool signal = l == SignalLayer && p >= SignalFrom && d == 0;
                        acts[((i * L + l) * P + p) * D + d] = signal ? 2f * (2 * LabelValues[i] - 1) + 0.5f * noise : noise;
                    }
        NpyFile.Write(Activations, acts, N, L, P, D);
        WriteInts(Labels, LabelValues);
        var logits = new float[N * P * 2];
        for (int i = 0; i < N; i++)
            for (int p = 0; p < P; p++)
            {
                int favoured = p == P - 1 ? LabelValues[i] : rng.Next(2);
                logits[(i * P + p) * 2 + favoured] = 1f;
            }
        NpyFile.Write(Baseline, logits, N, P, 2);
    }

    public string WriteInts(string name, int[] values)
    {
        var path = Path.IsPathRooted(name) ? name : Path.Combine(Folder, name);
        var longs = values.Select(v => (long)v).ToArray();
        NpyFile.Write(path, ArrayDType.Int64, MemoryMarshal.AsBytes(longs.AsSpan()), values.Length);
        return path;
    }

    /// <summary>A copy of the activation file cut short (a failed download or a full disk).</summary>
    public string Truncated()
    {
        var path = Path.Combine(Folder, "truncated.npy");
        var bytes = File.ReadAllBytes(Activations);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        return path;
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
