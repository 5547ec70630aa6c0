using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LatentLab.Activations;

namespace LatentLab.Formats;

/// <summary>
/// Reads and writes NumPy's .npy format (versions 1.0, 2.0 and 3.0; little-endian; C order).
/// Layout: magic "\x93NUMPY", major, minor, header length (uint16 for v1, uint32 for v2/v3), a Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, L, P, D), }</c> padded to a multiple of 64 bytes, then the data.
/// </summary>
public static partial class NpyFile
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Parses the header at the start of <paramref name="stream"/> (positioned at the array's first byte).</summary>
    /// <param name="name">The file (or "archive.npz:entry") named in error messages.</param>
    /// <param name="availableBytes">Bytes available for the array (header + data), to detect truncation; null to skip.</param>
    public static NpyHeader ReadHeader(Stream stream, string name, long? availableBytes)
    {
        var pre = new byte[10];
        int got = ReadFully(stream, pre, 0, 8);
        if (got < 8 || !pre.AsSpan(0, 6).SequenceEqual(Magic))
            throw new ActivationFileException(name, "not a .npy array: it does not start with the magic bytes \\x93NUMPY. " +
                "Expected a file written by numpy.save (or np.savez for .npz).");
        int major = pre[6];
        long headerLen;
        int prefix;
        if (major == 1)
        {
            if (ReadFully(stream, pre, 8, 2) < 2) throw Truncated(name, "the header length");
            headerLen = BitConverter.ToUInt16(pre, 8);
            prefix = 10;
        }
        else if (major is 2 or 3)
        {
            if (ReadFully(stream, pre, 8, 2) < 2) throw Truncated(name, "the header length");
            var four = new byte[4];
            Array.Copy(pre, 8, four, 0, 2);
            if (ReadFully(stream, four, 2, 2) < 2) throw Truncated(name, "the header length");
            headerLen = BitConverter.ToUInt32(four, 0);
            prefix = 12;
        }
        else
        {
            throw new ActivationFileException(name, $"unsupported .npy format version {major}.{pre[7]}; expected version 1.0, 2.0 or 3.0.");
        }
        if (headerLen > 1 << 20) throw new ActivationFileException(name, $"bad .npy header: it claims {headerLen} bytes of header; expected a short dict.");
        var header = new byte[headerLen];
        if (ReadFully(stream, header, 0, (int)headerLen) < headerLen) throw Truncated(name, "the header");
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(header);
        var (dtype, shape) = ParseDict(text, name);
        var result = new NpyHeader(dtype, shape, prefix + headerLen);
        if (availableBytes is { } avail && avail - result.DataOffset < result.DataBytes)
            throw new ActivationFileException(name,
                $"truncated: the header says shape ({string.Join(", ", shape)}) of {DTypeName(dtype)} = {result.DataBytes} data bytes, " +
                $"but only {Math.Max(0, avail - result.DataOffset)} follow the header. Re-export the array (numpy.save) and copy the whole file.");
        return result;
    }

    /// <summary>Reads the header of a .npy file on disk.</summary>
    public static NpyHeader ReadHeader(string path)
    {
        using var fs = OpenRead(path);
        return ReadHeader(fs, path, fs.Length);
    }

    internal static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new ActivationFileException(path, "file not found. Check the path (relative paths are resolved from the current directory: " + Environment.CurrentDirectory + ").");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    static (ArrayDType, long[]) ParseDict(string text, string name)
    {
        var descr = DescrRegex().Match(text);
        var fortran = FortranRegex().Match(text);
        var shape = ShapeRegex().Match(text);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new ActivationFileException(name, $"bad .npy header '{text.Trim()}': expected a dict with 'descr', 'fortran_order' and 'shape'.");
        if (fortran.Groups[1].Value == "True")
            throw new ActivationFileException(name, "the array is stored in Fortran (column-major) order; expected C order. " +
                "In Python save np.ascontiguousarray(x) instead of x (or x.copy(order='C')).");
        var dtype = ParseDescr(descr.Groups[1].Value, name);
        var dims = new List<long>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var p = part.TrimEnd('L');
            if (!long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
                throw new ActivationFileException(name, $"bad .npy header: shape '({shape.Groups[1].Value})' is not a tuple of non-negative integers.");
            dims.Add(d);
        }
        return (dtype, dims.ToArray());
    }

    static ArrayDType ParseDescr(string d, string name)
    {
        if (d.Length >= 2 && d[0] == '>' && d[1..] is not ("i1" or "u1" or "b1"))
            throw new ActivationFileException(name, $"dtype '{d}' is big-endian; expected little-endian data. In Python save x.astype(x.dtype.newbyteorder('<')).");
        var core = d.TrimStart('<', '|', '=', '>');
        return core switch
        {
            "f2" => ArrayDType.Float16,
            "f4" => ArrayDType.Float32,
            "f8" => ArrayDType.Float64,
            "i1" => ArrayDType.Int8,
            "u1" => ArrayDType.UInt8,
            "b1" => ArrayDType.Bool,
            "i2" => ArrayDType.Int16,
            "i4" => ArrayDType.Int32,
            "i8" => ArrayDType.Int64,
            _ => throw new ActivationFileException(name, $"unsupported dtype '{d}'; expected float16, float32 or float64 activations " +
                "(or int8/16/32/64, uint8, bool for labels). For bfloat16 use .safetensors, or x.astype(np.float32) in Python."),
        };
    }

    /// <summary>Writes a float32 array as .npy version 1.0 (C order).</summary>
    public static void Write(string path, ReadOnlySpan<float> data, params long[] shape) => Write(path, ArrayDType.Float32, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data), shape);

    /// <summary>Writes raw little-endian element bytes as a .npy file of the given dtype and shape (C order).</summary>
    public static void Write(string path, ArrayDType dtype, ReadOnlySpan<byte> data, params long[] shape)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        WriteTo(fs, dtype, data, shape);
    }

    /// <summary>Writes a .npy array to a stream (used for .npz entries too).</summary>
    public static void WriteTo(Stream stream, ArrayDType dtype, ReadOnlySpan<byte> data, params long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count * ArrayDTypes.Size(dtype) != data.Length)
            throw new ArgumentException($"NpyFile.Write: shape ({string.Join(", ", shape)}) needs {count * ArrayDTypes.Size(dtype)} bytes of {dtype}, got {data.Length}.");
        stream.Write(HeaderBytes(dtype, shape));
        stream.Write(data);
    }

    /// <summary>The bytes of a version 1.0 header (magic to padding) for an array of this dtype and shape.</summary>
    public static byte[] HeaderBytes(ArrayDType dtype, long[] shape, int version = 1)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = $"{{'descr': '{DescrOf(dtype)}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int prefix = version == 1 ? 10 : 12;
        int total = prefix + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        dict = dict.PadRight(padded - prefix - 1) + "\n";
        var bytes = new byte[padded];
        Magic.CopyTo(bytes, 0);
        bytes[6] = (byte)version;
        bytes[7] = 0;
        if (version == 1) BitConverter.GetBytes((ushort)dict.Length).CopyTo(bytes, 8);
        else BitConverter.GetBytes((uint)dict.Length).CopyTo(bytes, 8);
        Encoding.Latin1.GetBytes(dict).CopyTo(bytes, prefix);
        return bytes;
    }

    static string DescrOf(ArrayDType t) => t switch
    {
        ArrayDType.Float16 => "<f2",
        ArrayDType.Float32 => "<f4",
        ArrayDType.Float64 => "<f8",
        ArrayDType.Int8 => "|i1",
        ArrayDType.UInt8 => "|u1",
        ArrayDType.Bool => "|b1",
        ArrayDType.Int16 => "<i2",
        ArrayDType.Int32 => "<i4",
        ArrayDType.Int64 => "<i8",
        _ => throw new ArgumentException($"dtype {t} cannot be written to .npy (numpy has no bfloat16); use float32 or SafetensorsFile."),
    };

    internal static string DTypeName(ArrayDType t) => t.ToString().ToLowerInvariant();

    static ActivationFileException Truncated(string name, string what) =>
        new(name, $"truncated: the file ends inside {what}. Expected a complete .npy array (re-export it with numpy.save).");

    internal static int ReadFully(Stream s, byte[] buf, int offset, int count)
    {
        int total = 0;
        while (total < count)
        {
            int n = s.Read(buf, offset + total, count - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
