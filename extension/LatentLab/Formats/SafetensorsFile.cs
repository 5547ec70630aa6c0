using System.Text;
using System.Text.Json;

namespace LatentLab.Formats;

/// <summary>
/// Reads and writes the .safetensors format: an 8-byte little-endian header length n, a JSON header of n bytes
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>), then the
/// data; offsets are relative to the first byte after the header.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>
    /// The tensors listed in the header, in data order, with absolute data offsets. Checks the header's JSON types, that every
    /// shape's byte count (checked arithmetic) matches its data_offsets, that ranges do not overlap and fit the file.
    /// </summary>
    /// <exception cref="ArrayFileException">Not a .safetensors file, a damaged or lying header, or a truncated file.</exception>
    public static IReadOnlyList<StoredTensor> ReadHeader(string path)
    {
        using var fs = NpyFile.OpenRead(path);
        long length = fs.Length;
        var lenBytes = new byte[8];
        if (NpyFile.ReadFully(fs, lenBytes, 0, 8) < 8)
            throw new ArrayFileException(path, $"truncated: {length} bytes, shorter than the 8-byte header length of a .safetensors file. Copy the whole file.");
        ulong n = BitConverter.ToUInt64(lenBytes, 0);
        if (n < 2 || n > MaxHeaderBytes)
            throw new ArrayFileException(path, $"bad .safetensors header: it claims a {n}-byte JSON header (expected 2 to {MaxHeaderBytes} bytes); " +
                "this is not a .safetensors file or it is damaged. Expected a file written by safetensors (save_file / save_model).");
        if ((long)n > length - 8)
            throw new ArrayFileException(path, $"truncated: the header announces {n} bytes of JSON but the file has only {length - 8} after the length. Copy the whole file.");
        var json = new byte[n];
        NpyFile.ReadFully(fs, json, 0, (int)n);
        long dataStart = 8 + (long)n;
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw new ArrayFileException(path, "bad .safetensors header: not valid JSON (it is not UTF-8 text). The file is damaged; re-save it with safetensors.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new ArrayFileException(path, $"bad .safetensors header: not valid JSON ({e.Message}). The file is damaged; re-save it with safetensors.", e);
        }
        var result = new List<StoredTensor>();
        var ends = new Dictionary<string, long>();
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ArrayFileException(path, $"bad .safetensors header: the JSON is {Kind(doc.RootElement)}; expected an object mapping tensor names to {{\"dtype\", \"shape\", \"data_offsets\"}}.");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__") continue;
                if (ends.ContainsKey(prop.Name))
                    throw new ArrayFileException(path, $"bad .safetensors header: tensor '{prop.Name}' is listed twice; expected every name once.");
                var (tensor, end) = ReadEntry(path, prop, dataStart, length);
                ends[prop.Name] = end;
                result.Add(tensor);
            }
        }
        var ordered = result.OrderBy(t => t.Offset).ToList();
        for (int i = 1; i < ordered.Count; i++)
            if (ordered[i].Offset < ends[ordered[i - 1].Name])
                throw new ArrayFileException(path, $"bad .safetensors header: the data of tensors '{ordered[i - 1].Name}' and '{ordered[i].Name}' overlap " +
                    $"(bytes {ordered[i - 1].Offset - dataStart}..{ends[ordered[i - 1].Name] - dataStart} and {ordered[i].Offset - dataStart}..); the header is damaged.");
        return ordered;
    }

    /// <summary>JSON headers longer than this are refused (the limit of the safetensors library itself).</summary>
    const ulong MaxHeaderBytes = 100_000_000;

    /// <summary>One header entry: dtype a string, shape an array of integers >= 0, data_offsets [begin, end] within the file.</summary>
    static (StoredTensor Tensor, long AbsoluteEnd) ReadEntry(string path, JsonProperty prop, long dataStart, long length)
    {
        string name = prop.Name, what = $"bad .safetensors header: tensor '{name}'";
        var t = prop.Value;
        if (t.ValueKind != JsonValueKind.Object)
            throw new ArrayFileException(path, $"{what} is {Kind(t)}; expected an object {{\"dtype\": \"F32\", \"shape\": [..], \"data_offsets\": [begin, end]}}.");
        JsonElement Field(string key) => t.TryGetProperty(key, out var v) ? v
            : throw new ArrayFileException(path, $"{what} has no \"{key}\"; expected dtype, shape and data_offsets for every tensor.");
        var dt = Field("dtype");
        if (dt.ValueKind != JsonValueKind.String)
            throw new ArrayFileException(path, $"{what} has dtype {Raw(dt)} ({Kind(dt)}); expected a string such as \"F16\", \"BF16\" or \"F32\".");
        var dtype = ParseDType(dt.GetString()!, name, path);
        var shape = Integers(path, what, "shape", Field("shape"));
        var offsets = Integers(path, what, "data_offsets", Field("data_offsets"));
        if (offsets.Length != 2)
            throw new ArrayFileException(path, $"{what} has data_offsets of {offsets.Length} numbers; expected [begin, end].");
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
            throw new ArrayFileException(path, $"{what} has data_offsets [{begin}, {end}] that end before they begin; the header is damaged.");
        long bytes = ArrayShape.ByteCount(shape, dtype, $"{path}:{name}");
        if (end - begin != bytes)
            throw new ArrayFileException(path, $"{what} of shape {ArrayShape.Text(shape)} and dtype {dt.GetString()} needs {bytes} bytes but its data_offsets " +
                $"[{begin}, {end}] span {end - begin}; the header is damaged.");
        if (end > length - dataStart)
            throw new ArrayFileException(path, $"truncated: tensor '{name}' ends at byte {dataStart + (decimal)end} but the file has {length} bytes. Copy the whole file.");
        return (new StoredTensor(name, dtype, shape, dataStart + begin), dataStart + end);
    }

    /// <summary>A JSON array of integers >= 0 (shape or data_offsets), or an exception naming the tensor and the field.</summary>
    static long[] Integers(string path, string what, string field, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array)
            throw new ArrayFileException(path, $"{what} has {field} {Raw(e)} ({Kind(e)}); expected an array of whole numbers >= 0.");
        var values = new long[e.GetArrayLength()];
        int i = 0;
        foreach (var x in e.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt64(out values[i]) || values[i] < 0)
                throw new ArrayFileException(path, $"{what} has {field} {Raw(e)}: element {i} is {Raw(x)}; expected whole numbers from 0 to {long.MaxValue}.");
            i++;
        }
        return values;
    }

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "a JSON object",
        JsonValueKind.Array => "a JSON array",
        JsonValueKind.String => "a JSON string",
        JsonValueKind.Number => "a JSON number",
        JsonValueKind.True or JsonValueKind.False => "a JSON boolean",
        JsonValueKind.Null => "JSON null",
        _ => "not a JSON value",
    };

    static string Raw(JsonElement e)
    {
        var s = e.GetRawText();
        return s.Length <= 80 ? s : s[..80] + "...";
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
        _ => throw new ArrayFileException(path, $"tensor '{tensor}' has unsupported dtype '{(s.Length <= 40 ? s : s[..40] + "...")}'; LatentLab reads F16, BF16 or F32 (or F64), " +
            "I8, I16, I32, I64, U8 and BOOL. Convert in Python with t.to(torch.float32)."),
    };

    internal static string Code(ArrayDType t) => t switch
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

    /// <summary>Writes tensors (name, dtype, shape, little-endian bytes) to a .safetensors file, in the given order (atomically, through "path.partial").
    /// For tensors too large to hold in memory, stream them with <see cref="SafetensorsWriter"/>.</summary>
    public static void Write(string path, IEnumerable<(string Name, ArrayDType DType, long[] Shape, byte[] Data)> tensors)
    {
        var list = tensors.ToList();
        foreach (var (name, dtype, shape, data) in list)
        {
            long bytes = ArrayShape.ByteCount(shape, dtype, $"SafetensorsFile.Write: tensor '{name}'");
            if (bytes != data.Length)
                throw new ArgumentException($"SafetensorsFile.Write: tensor '{name}' of shape {ArrayShape.Text(shape)} and dtype {Code(dtype)} needs {bytes} bytes, got {data.Length}.", nameof(tensors));
        }
        var header = HeaderBytes(list.Select(t => new TensorSpec(t.Name, t.DType, t.Shape)).ToList(), metadata: null, minBytes: 0);
        PartialFile.Write(path, fs =>
        {
            fs.Write(header);
            foreach (var t in list) fs.Write(t.Data);
        });
    }

    /// <summary>
    /// The 8-byte length and the JSON header for tensors laid out back to back in this order, padded with spaces to a
    /// multiple of 8 bytes (and to at least <paramref name="minBytes"/>).
    /// </summary>
    internal static byte[] HeaderBytes(IReadOnlyList<TensorSpec> tensors, IReadOnlyDictionary<string, string>? metadata, int minBytes)
    {
        var names = new HashSet<string>();
        var sb = new StringBuilder("{");
        if (metadata is { Count: > 0 })
            sb.Append("\"__metadata__\":{").AppendJoin(',', metadata.Select(kv => Quoted(kv.Key) + ":" + Quoted(kv.Value))).Append('}').Append(tensors.Count > 0 ? "," : "");
        long offset = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var (name, dtype, shape) = tensors[i];
            if (name == "__metadata__" || !names.Add(name))
                throw new ArgumentException($"tensor name '{name}' is {(name == "__metadata__" ? "reserved by the format" : "given twice")}; give every tensor its own name.", nameof(tensors));
            long bytes = ArrayShape.ByteCount(shape, dtype, $"tensor '{name}'");
            if (i > 0) sb.Append(',');
            sb.Append(Quoted(name)).Append(":{\"dtype\":\"").Append(Code(dtype)).Append("\",\"shape\":[")
              .Append(string.Join(",", shape)).Append("],\"data_offsets\":[").Append(offset).Append(',').Append(checked(offset + bytes)).Append("]}");
            offset = checked(offset + bytes);
        }
        sb.Append('}');
        var json = Encoding.UTF8.GetBytes(sb.ToString());
        int padded = Math.Max((json.Length + 7) / 8 * 8, (minBytes + 7) / 8 * 8);
        var result = new byte[8 + padded];
        BitConverter.GetBytes((ulong)padded).CopyTo(result, 0);
        json.CopyTo(result, 8);
        result.AsSpan(8 + json.Length).Fill((byte)' ');
        return result;
    }

    /// <summary>A JSON string literal (no reflection-based serializer: works in trimmed apps and `dotnet run file.cs`).</summary>
    static string Quoted(string s) => "\"" + JsonEncodedText.Encode(s).ToString() + "\"";
}
