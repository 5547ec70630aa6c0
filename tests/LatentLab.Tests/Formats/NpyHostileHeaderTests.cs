using System.IO.Compression;
using System.Text;
using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Tests.Probes;

namespace LatentLab.Tests.Formats;

/// <summary>
/// .npy / .npz files whose headers overflow 64-bit counts, lie, or end early: every reader (the header, the activation
/// loader, the label reader, archives) answers with an <see cref="ArrayFileException"/> naming the file and the shape.
/// </summary>
public class NpyHostileHeaderTests
{
    /// <summary>A version-1 .npy file with this header dict and <paramref name="dataBytes"/> zero bytes of data.</summary>
    static byte[] Npy(string dict, int dataBytes = 64, int version = 1)
    {
        var header = Encoding.Latin1.GetBytes(dict.PadRight(118 - (version == 1 ? 0 : 2)) + "\n");
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        if (version == 1) ms.Write(BitConverter.GetBytes((ushort)header.Length)); else ms.Write(BitConverter.GetBytes((uint)header.Length));
        ms.Write(header);
        ms.Write(new byte[dataBytes]);
        return ms.ToArray();
    }

    static string Dict(string shape, string descr = "<f4") => $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";

    static ArrayFileException Fails(string path)
    {
        var e = Assert.ThrowsAny<ArrayFileException>(() => NpyFile.ReadHeader(path));
        Assert.Contains(Path.GetFileName(path), e.Message);
        return e;
    }

    [Theory]
    [InlineData("(9223372036854775807, 2)", "(9223372036854775807, 2) has more than 9223372036854775807 elements")]
    [InlineData("(4294967296, 4294967296)", "(4294967296, 4294967296) has more than")]
    [InlineData("(1152921504606846976, 4)", "(1152921504606846976, 4) of float32 needs more than 9223372036854775807 bytes")]
    [InlineData("(576460752303423488, 2, 2, 2)", "byte count overflows 64 bits")]
    [InlineData("(99999999999999999999,)", "dimension 99999999999999999999 of shape (99999999999999999999,) is larger than 9223372036854775807")]
    [InlineData("(-1, 4)", "shape '(-1, 4)' is not a tuple of non-negative integers")]
    [InlineData("(2**70,)", "is not a tuple of non-negative integers")]
    [InlineData("(1000000000000,)", "truncated: the header says shape (1000000000000,) of float32 = 4000000000000 data bytes, but only 64 follow")]
    public void Header_WhoseShapeOverflowsOrLies_NamesTheFileAndTheShape(string shape, string expected)
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("big.npy"), Npy(Dict(shape)));
        Assert.Contains(expected, Fails(tmp.File("big.npy")).Message);
    }

    [Fact]
    public void OverflowingShape_ThroughEveryReader_IsAFileErrorNotAnOverflow()
    {
        using var tmp = new TempFolder();
        var bytes = Npy(Dict("(4611686018427387904, 4)"));
        File.WriteAllBytes(tmp.File("acts.npy"), bytes);
        File.WriteAllBytes(tmp.File("labels.npy"), bytes);
        File.WriteAllLines(tmp.File("labels.txt"), ["0", "1", "0", "1"]);
        using (var zip = ZipFile.Open(tmp.File("acts.npz"), ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("acts.npy").Open())
            s.Write(bytes);

        Assert.Contains("acts.npy: shape (4611686018427387904, 4)", Assert.ThrowsAny<ArrayFileException>(() => ActivationSet.Load(tmp.File("acts.npy"), tmp.File("labels.txt")).Dispose()).Message);
        Assert.Contains("labels.npy: shape (4611686018427387904, 4)", Assert.ThrowsAny<ArrayFileException>(() => LabelFile.ReadColumn(tmp.File("labels.npy"), "label")).Message);
        Assert.Contains("acts.npz:acts.npy: shape (4611686018427387904, 4)", Assert.ThrowsAny<ArrayFileException>(() => ActivationSet.Load(tmp.File("acts.npz"), tmp.File("labels.txt")).Dispose()).Message);
    }

    [Fact]
    public void TruncatedAnywhere_SaysTruncatedAndWhere()
    {
        using var tmp = new TempFolder();
        var whole = Npy(Dict("(4, 4)"));
        (int Keep, string Expected)[] cuts = [(3, "ends after 3 bytes, inside the .npy magic"), (9, "ends inside the header length"), (40, "ends inside the header"), (whole.Length - 1, "but only 63 follow the header")];
        foreach (var (keep, expected) in cuts)
        {
            File.WriteAllBytes(tmp.File("cut.npy"), whole[..keep]);
            var e = Fails(tmp.File("cut.npy"));
            Assert.Contains("truncated", e.Message);
            Assert.Contains(expected, e.Message);
        }
        File.WriteAllBytes(tmp.File("empty.npy"), []);
        Assert.Contains("truncated", Fails(tmp.File("empty.npy")).Message);
    }

    [Fact]
    public void UnsupportedVersionOrHugeHeaderLength_AreNamed()
    {
        using var tmp = new TempFolder();
        var v4 = Npy(Dict("(4, 4)"));
        v4[6] = 4;
        File.WriteAllBytes(tmp.File("v4.npy"), v4);
        Assert.Contains("unsupported .npy format version 4.0", Fails(tmp.File("v4.npy")).Message);
        var huge = Npy(Dict("(4, 4)"), version: 2);
        BitConverter.GetBytes(uint.MaxValue).CopyTo(huge, 8);
        File.WriteAllBytes(tmp.File("huge.npy"), huge);
        Assert.Contains($"claims {uint.MaxValue} bytes of header", Fails(tmp.File("huge.npy")).Message);
    }

    [Fact]
    public void Npz_NotAZipTruncatedOrDamaged_NamesTheArchive()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("text.npz"), "not a zip archive at all");
        var e = Assert.ThrowsAny<ArrayFileException>(() => NpzFile.OpenRead(tmp.File("text.npz")).Dispose());
        Assert.Contains("text.npz: not a readable .npz (zip) archive", e.Message);

        // A deflated entry whose compressed bytes are damaged: the failure surfaces while reading, named by archive and entry.
        var path = tmp.File("damaged.npz");
        var data = Enumerable.Range(0, 6 * 2 * 3 * 4).Select(i => (float)Math.Sin(i)).ToArray();
        NpzFile.Write(path, [("acts", ArrayDType.Float32, [6, 2, 3, 4], PlantedData.Bytes(data))], compress: true);
        var bytes = File.ReadAllBytes(path);
        int headerEnd = 30 + "acts.npy".Length;                  // the local file header, then the deflated data
        for (int i = headerEnd + 20; i < headerEnd + 60; i++) bytes[i] ^= 0x5a;
        File.WriteAllBytes(path, bytes);
        File.WriteAllLines(tmp.File("labels.txt"), ["0", "1", "0", "1", "1", "0"]);
        var e2 = Assert.ThrowsAny<ArrayFileException>(() =>
        {
            using var set = ActivationSet.Load(path, tmp.File("labels.txt"));
            set.ReadLayer(0).Dispose();
            set.ReadLayer(1).Dispose();
        });
        Assert.Contains("damaged.npz", e2.Message);
    }
}
