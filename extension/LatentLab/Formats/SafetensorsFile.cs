using System.Text;
using System.Text.Json;
using LatentLab.Activations;

namespace LatentLab.Formats;

/// <summary>
/// Reads and writes the .safetensors format: an 8-byte little-endian header length n, a JSON header of n bytes
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>), then the
/// data; offsets are relative to the first byte after the header.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>The tensors listed in the header, in file order, with absolute data offsets. Checks every range fits the file.</summary>
    public static IReadOnlyList<StoredTensor> ReadHeader(string path)
    {
        using var fs = NpyFile.OpenRead(path);
        long length = fs.Length;
        var lenBytes = new byte[8];
        if (NpyFile.ReadFully(fs, lenBytes, 0, 8) < 8)
            throw new ActivationFileException(path, $"truncated: {length} bytes, shorter than the 8-byte header length of a .safetensors file.");
        ulong n = BitConverter.ToUInt64(lenBytes, 0);
        if (n == 0 || n > 100_000_000 || (long)n > length - 8)
            throw new ActivationFileException(path, $"bad .safetensors header: it claims a {n}-byte JSON header but the file has {length} bytes. " +
                "Expected a file written by safetensors (save_file / save_model).");
        var json = new byte[n];
        NpyFile.ReadFully(fs, json, 0, (int)n);
        long dataStart = 8 + (long)n;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ActivationFileException(path, $"bad .safetensors header: not valid JSON ({e.Message}).", e); }
        var result = new List<StoredTensor>();
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ActivationFileException(path, "bad .safetensors header: expected a JSON object of tensors.");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__") continue;
                var t = prop.Value;
                if (t.ValueKind != JsonValueKind.Object || !t.TryGetProperty("dtype", out var dt) || !t.TryGetProperty("shape", out var sh) ||
                    !t.TryGetProperty("data_offsets", out var off) || sh.ValueKind != JsonValueKind.Array || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
                    throw new ActivationFileException(path, $"bad .safetensors header: tensor '{prop.Name}' lacks dtype, shape or data_offsets [begin, end].");
                var dtype = ParseDType(dt.GetString() ?? "", prop.Name, path);
                long[] shape;
                long begin, end;
                try
                {
                    shape = sh.EnumerateArray().Select(e => e.GetInt64()).ToArray();
                    begin = off[0].GetInt64();
                    end = off[1].GetInt64();
                }
                catch (Exception e) when (e is FormatException or InvalidOperationException)
                {
                    throw new ActivationFileException(path, $"bad .safetensors header: tensor '{prop.Name}' has a non-integer shape or offset.", e);
                }
                var tensor = new StoredTensor(prop.Name, dtype, shape, dataStart + begin);
                if (shape.Any(d => d < 0) || end - begin != tensor.Bytes)
                    throw new ActivationFileException(path, $"bad .safetensors header: tensor '{prop.Name}' of shape {tensor.ShapeText} and dtype {dt.GetString()} " +
                        $"needs {tensor.Bytes} bytes but its data_offsets [{begin}, {end}] span {end - begin}.");
                if (begin < 0 || dataStart + end > length)
                    throw new ActivationFileException(path, $"truncated: tensor '{prop.Name}' ends at byte {dataStart + end} but the file has {length} bytes. Copy the whole file.");
                result.Add(tensor);
            }
        }
        if (result.Count == 0) throw new ActivationFileException(path, "the .safetensors file holds no tensors; expected at least one activation tensor.");
        return result.OrderBy(t => t.Offset).ToList();
    }

    static ArrayDType ParseDType(string s, string tensor, string path) => s switch
    {
        "F16" => ArrayDType.Float16,
        "BF16" => ArrayDType.BFloat16,
        "F32" => ArrayDType.Float32,
        "F64" => ArrayDType.Float64,
        "I8" => ArrayDType.Int8,
        "U8" => ArrayDType.UInt8,
        "BOOL" => ArrayDType.Bool,
        "I16" => ArrayDType.Int16,
        "I32" => ArrayDType.Int32,
        "I64" => ArrayDType.Int64,
        _ => throw new ActivationFileException(path, $"tensor '{tensor}' has unsupported dtype '{s}'; expected F16, BF16 or F32 (or F64) activations, " +
            "integer tensors for labels. Convert in Python with t.to(torch.float32)."),
    };

    static string Code(ArrayDType t) => t switch
    {
        ArrayDType.Float16 => "F16",
        ArrayDType.BFloat16 => "BF16",
        ArrayDType.Float32 => "F32",
        ArrayDType.Float64 => "F64",
        ArrayDType.Int8 => "I8",
        ArrayDType.UInt8 => "U8",
        ArrayDType.Bool => "BOOL",
        ArrayDType.Int16 => "I16",
        ArrayDType.Int32 => "I32",
        ArrayDType.Int64 => "I64",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>Writes tensors (name, dtype, shape, little-endian bytes) to a .safetensors file, in the given order.</summary>
    public static void Write(string path, IEnumerable<(string Name, ArrayDType DType, long[] Shape, byte[] Data)> tensors)
    {
        var list = tensors.ToList();
        var sb = new StringBuilder("{");
        long offset = 0;
        for (int i = 0; i < list.Count; i++)
        {
            var (name, dtype, shape, data) = list[i];
            if (i > 0) sb.Append(',');
            sb.Append(JsonSerializer.Serialize(name)).Append(":{\"dtype\":\"").Append(Code(dtype)).Append("\",\"shape\":[")
              .Append(string.Join(",", shape)).Append("],\"data_offsets\":[").Append(offset).Append(',').Append(offset + data.Length).Append("]}");
            offset += data.Length;
        }
        sb.Append('}');
        while ((sb.Length + 8) % 8 != 0) sb.Append(' ');
        var header = Encoding.UTF8.GetBytes(sb.ToString());
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        fs.Write(BitConverter.GetBytes((ulong)header.Length));
        fs.Write(header);
        foreach (var t in list) fs.Write(t.Data);
    }
}
