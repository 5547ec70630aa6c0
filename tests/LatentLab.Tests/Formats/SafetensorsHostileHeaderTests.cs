using System.Text;
using LatentLab.Activations;
using LatentLab.Formats;
using LatentLab.Tests.Probes;

namespace LatentLab.Tests.Formats;

/// <summary>
/// .safetensors headers that lie or hold the wrong JSON types: every one ends in an <see cref="ArrayFileException"/> that
/// names the file and what is wrong, never a raw JSON, overflow or cast exception.
/// </summary>
public class SafetensorsHostileHeaderTests
{
    /// <summary>Writes a file of an 8-byte length, <paramref name="json"/> and <paramref name="dataBytes"/> zero bytes.</summary>
    static string Write(TempFolder tmp, string json, int dataBytes = 24, string name = "hostile.safetensors", ulong? claimedLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var path = tmp.File(name);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(claimedLength ?? (ulong)header.Length), .. header, .. new byte[dataBytes]]);
        return path;
    }

    static ArrayFileException Fails(string path)
    {
        var e = Assert.ThrowsAny<ArrayFileException>(() => SafetensorsFile.ReadHeader(path));
        Assert.Contains(Path.GetFileName(path), e.Message);
        Assert.True(e.InnerException is null or System.Text.Json.JsonException, $"wraps {e.InnerException?.GetType().Name}");
        return e;
    }

    [Theory]
    [InlineData("""{"t": {"dtype": 5, "shape": [6], "data_offsets": [0, 24]}}""", "has dtype 5 (a JSON number); expected a string")]
    [InlineData("""{"t": {"dtype": null, "shape": [6], "data_offsets": [0, 24]}}""", "has dtype null (JSON null); expected a string")]
    [InlineData("""{"t": {"dtype": ["F32"], "shape": [6], "data_offsets": [0, 24]}}""", "(a JSON array); expected a string")]
    [InlineData("""{"t": {"dtype": "F33", "shape": [6], "data_offsets": [0, 24]}}""", "unsupported dtype 'F33'")]
    [InlineData("""{"t": {"dtype": "F32", "shape": "6", "data_offsets": [0, 24]}}""", "has shape \"6\" (a JSON string); expected an array of whole numbers")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 24]}}""", "element 0 is 2.5")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [-6], "data_offsets": [0, 24]}}""", "element 0 is -6")]
    [InlineData("""{"t": {"dtype": "F32", "shape": ["6"], "data_offsets": [0, 24]}}""", "element 0 is \"6\"")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [99999999999999999999], "data_offsets": [0, 24]}}""", "element 0 is 99999999999999999999")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 24]}}""", "overflows 64 bits")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [2147483648, 2147483648], "data_offsets": [0, 24]}}""", "byte count overflows 64 bits")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [6], "data_offsets": "0-24"}}""", "has data_offsets \"0-24\" (a JSON string)")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [6], "data_offsets": [0]}}""", "data_offsets of 1 numbers; expected [begin, end]")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [6], "data_offsets": [24, 0]}}""", "end before they begin")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [6], "data_offsets": [0, 20]}}""", "needs 24 bytes but its data_offsets [0, 20] span 20")]
    [InlineData("""{"t": {"dtype": "U8", "shape": [9223372036854775807], "data_offsets": [0, 9223372036854775807]}}""", "truncated: tensor 't' ends at byte")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [6]}}""", "has no \"data_offsets\"")]
    [InlineData("""{"t": 5}""", "tensor 't' is a JSON number; expected an object")]
    [InlineData("""[1, 2, 3]""", "the JSON is a JSON array; expected an object")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]}, "t": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]}}""", "'t' is listed twice")]
    [InlineData("""{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}""", "'a' and 'b' overlap")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]""", "not valid JSON")]
    public void Header_WithWrongTypesOrLyingNumbers_NamesTheFileAndTheProblem(string json, string expected)
    {
        using var tmp = new TempFolder();
        var e = Fails(Write(tmp, json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Header_ThatIsNotUtf8_IsNotValidJson()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("latin1.safetensors");
        byte[] header = [(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header]);
        Assert.Contains("not valid JSON", Fails(path).Message);
    }

    [Fact]
    public void TruncatedFiles_AreNamedAsTruncated()
    {
        using var tmp = new TempFolder();
        var ok = """{"t": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]}}""";
        // fewer than 8 bytes; a header length beyond the file; data cut short
        var tiny = tmp.File("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        Assert.Contains("truncated: 3 bytes, shorter than the 8-byte header length", Fails(tiny).Message);
        Assert.Contains("truncated: the header announces 500 bytes of JSON", Fails(Write(tmp, ok, 0, "short-header.safetensors", claimedLength: 500)).Message);
        Assert.Contains("truncated: tensor 't' ends at byte", Fails(Write(tmp, ok, 10, "short-data.safetensors")).Message);
        // a length no header has (and which would not fit an array)
        Assert.Contains("claims a 18446744073709551615-byte JSON header", Fails(Write(tmp, ok, 0, "huge.safetensors", claimedLength: ulong.MaxValue)).Message);
    }

    [Fact]
    public void FolderOrMissingFile_SaysWhich()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("model.safetensors"));
        Assert.Contains("is a folder, not a file", Fails(tmp.File("model.safetensors")).Message);
        Assert.Contains("file not found", Fails(tmp.File("missing.safetensors")).Message);
    }

    [Fact]
    public void Load_OfAHostileHeader_FailsWithTheSameMessage_AndAnEmptyFileSaysThereAreNoActivations()
    {
        using var tmp = new TempFolder();
        var path = Write(tmp, """{"layer_0": {"dtype": 16, "shape": [2, 1, 3], "data_offsets": [0, 24]}}""");
        var e = Assert.ThrowsAny<ArrayFileException>(() => ActivationSet.Load(path, labels: null).Dispose());
        Assert.Contains("tensor 'layer_0' has dtype 16 (a JSON number)", e.Message);
        var empty = Write(tmp, """{"__metadata__": {"format": "pt"}}""", 0, "empty.safetensors");
        Assert.Empty(SafetensorsFile.ReadHeader(empty));
        Assert.Contains("no activation arrays found", Assert.ThrowsAny<ArrayFileException>(() => ActivationSet.Load(empty).Dispose()).Message);
    }
}
