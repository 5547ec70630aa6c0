using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LatentLab.Formats;

/// <summary>
/// Reads and writes NumPy's .npy format (versions 1.0, 2.0 and 3.0; little-endian; C order).
/// Layout: magic "\x93NUMPY", major, minor, header length (uint16 for v1, uint32 for v2/v3), a Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, L, P, D), }</c> padded to a multiple of 64 bytes, then the data.
/// </summary>
public static partial class NpyFile
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Parses the header at the start of <paramref name="stream"/> (left positioned at the array's first byte).</summary>
    /// <param name="name">The file (or "archive.npz:entry") named in error messages.</param>
    /// <param name="availableBytes">Bytes available for the array (header + data), to detect truncation; null to skip.</param>
    /// <exception cref="ArrayFileException">Not a .npy array, a damaged or lying header, or (with <paramref name="availableBytes"/>) a truncated file.</exception>
    public static NpyHeader ReadHeader(Stream stream, string name, long? availableBytes)
    {
        var pre = new byte[12];
        int got = ReadFully(stream, pre, 0, 8);
        if (got < 8 || !pre.AsSpan(0, 6).SequenceEqual(Magic))
            throw new ArrayFileException(name, got < 8 && pre.AsSpan(0, Math.Min(got, 6)).SequenceEqual(Magic.AsSpan(0, Math.Min(got, 6)))
                ? $"truncated: the file ends after {got} bytes, inside the .npy magic and version. Copy or re-export the whole file (numpy.save)."
                : "not a .npy array: it does not start with the magic bytes \\x93NUMPY. Expected a file written by numpy.save (or numpy.savez for .npz).");
        int major = pre[6];
        if (major is not (1 or 2 or 3))
            throw new ArrayFileException(name, $"unsupported .npy format version {major}.{pre[7]}; expected version 1.0, 2.0 or 3.0 (what numpy.save writes).");
        int prefix = major == 1 ? 10 : 12;
        if (ReadFully(stream, pre, 8, prefix - 8) < prefix - 8) throw Truncated(name, "the header length");
        long headerLen = major == 1 ? BitConverter.ToUInt16(pre, 8) : BitConverter.ToUInt32(pre, 8);
        if (headerLen > MaxHeaderBytes)
            throw new ArrayFileException(name, $"bad .npy header: it claims {headerLen} bytes of header; numpy writes a short dict (under {MaxHeaderBytes} bytes). The file is damaged.");
        var header = new byte[headerLen];
        if (ReadFully(stream, header, 0, (int)headerLen) < headerLen) throw Truncated(name, "the header");
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(header);
        var (dtype, shape) = ParseDict(text, name);
        long dataBytes = ArrayShape.ByteCount(shape, dtype, name);
        var result = new NpyHeader(dtype, shape, prefix + headerLen);
        if (availableBytes is { } avail && avail - result.DataOffset < dataBytes)
            throw new ArrayFileException(name,
                $"truncated: the header says shape {ArrayShape.Text(shape)} of {ArrayDTypes.Name(dtype)} = {dataBytes} data bytes, " +
                $"but only {Math.Max(0, avail - result.DataOffset)} follow the header. Copy the whole file, or re-export the array (numpy.save).");
        return result;
    }

    /// <summary>Reads the header of a .npy file on disk (and checks the file holds all the data it announces).</summary>
    public static NpyHeader ReadHeader(string path)
    {
        using var fs = OpenRead(path);
        return ReadHeader(fs, path, fs.Length);
    }

    /// <summary>Headers longer than this are refused as damaged (numpy's are ~128 bytes; its own reader caps them at 10 000).</summary>
    const int MaxHeaderBytes = 1 << 20;

    /// <summary>Opens a file for reading, with messages for a missing file, a folder and a permission problem.</summary>
    internal static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path))
            throw new ArrayFileException(path, "is a folder, not a file (a directory: give a file, the path of the file inside it, e.g. folder/acts.npy).");
        if (!File.Exists(path))
            throw new ArrayFileException(path, "file not found. Check the path (relative paths are resolved from the current directory: " + Environment.CurrentDirectory + ").");
        StaleTempFiles.Remove(path);                      // a killed write of this file leaves path.partial behind
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
        catch (UnauthorizedAccessException e) { throw new ArrayFileException(path, "cannot be read: permission denied. Make the file readable (chmod +r) or copy it somewhere readable.", e); }
    }

    static (ArrayDType, long[]) ParseDict(string text, string name)
    {
        var descr = DescrRegex().Match(text);
        var fortran = FortranRegex().Match(text);
        var shape = ShapeRegex().Match(text);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new ArrayFileException(name, $"bad .npy header '{Shorten(text.Trim())}': expected a dict with 'descr', 'fortran_order' and 'shape' (a simple array; structured dtypes are not read).");
        if (fortran.Groups[1].Value == "True")
            throw new ArrayFileException(name, "the array is stored in Fortran (column-major) order; expected C order. " +
                "In Python save np.ascontiguousarray(x) instead of x (or x.copy(order='C')).");
        var dtype = ParseDescr(descr.Groups[1].Value, name);
        var dims = new List<long>();
        var shapeText = shape.Groups[1].Value;
        foreach (var part in shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var p = part.TrimEnd('L');
            if (p.Length > 0 && p.All(char.IsAsciiDigit) && !long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw new ArrayFileException(name, $"bad .npy header: dimension {p} of shape ({Shorten(shapeText)}) is larger than {long.MaxValue}; the header is damaged or lies about the shape.");
            if (!long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
                throw new ArrayFileException(name, $"bad .npy header: shape '({Shorten(shapeText)})' is not a tuple of non-negative integers.");
            dims.Add(d);
        }
        return (dtype, dims.ToArray());
    }

    static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "...";

    static ArrayDType ParseDescr(string d, string name)
    {
        if (d.Length >= 2 && d[0] == '>' && d[1..] is not ("i1" or "u1" or "b1"))
            throw new ArrayFileException(name, $"dtype '{d}' is big-endian; expected little-endian data. In Python save x.astype(x.dtype.newbyteorder('<')).");
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
            _ => throw new ArrayFileException(name, $"unsupported dtype '{Shorten(d)}'; LatentLab reads float16, float32 or float64 (<f2, <f4, <f8), " +
                "int8/16/32/64, uint8 and bool. Convert in Python (x.astype(np.float32)); for bfloat16 use .safetensors."),
        };
    }

    /// <summary>Writes a float32 array as .npy version 1.0 (C order).</summary>
    public static void Write(string path, ReadOnlySpan<float> data, params long[] shape) => Write(path, ArrayDType.Float32, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data), shape);

    /// <summary>Writes raw little-endian element bytes as a .npy file of the given dtype and shape (C order).</summary>
    /// <remarks>Written to "path.partial" and renamed onto the path: an activation set still reading the old file is unaffected.</remarks>
    public static void Write(string path, ArrayDType dtype, ReadOnlySpan<byte> data, params long[] shape)
    {
        var fs = PartialFile.Create(path);
        try
        {
            WriteTo(fs, dtype, data, shape);
            PartialFile.Commit(fs, path);
        }
        catch
        {
            PartialFile.Discard(fs, path);
            throw;
        }
    }

    /// <summary>Writes a .npy array to a stream (used for .npz entries too).</summary>
    public static void WriteTo(Stream stream, ArrayDType dtype, ReadOnlySpan<byte> data, params long[] shape)
    {
        long bytes = ArrayShape.ByteCount(shape, dtype, "NpyFile.Write");
        if (bytes != data.Length)
            throw new ArgumentException($"NpyFile.Write: shape {ArrayShape.Text(shape)} of {ArrayDTypes.Name(dtype)} needs {bytes} bytes, got {data.Length}.", nameof(data));
        stream.Write(HeaderBytes(dtype, shape));
        stream.Write(data);
    }

    /// <summary>The bytes of a header (magic to padding) for an array of this dtype and shape (version 1.0 unless asked).</summary>
    public static byte[] HeaderBytes(ArrayDType dtype, long[] shape, int version = 1) => HeaderBytes(dtype, shape, version, 0);

    /// <summary>A header padded with spaces to at least <paramref name="minTotal"/> bytes (a multiple of 64): a streaming writer
    /// reserves room for the final shape and rewrites the header in place, as numpy's own writers do.</summary>
    internal static byte[] HeaderBytes(ArrayDType dtype, long[] shape, int version, int minTotal)
    {
        if (version is not (1 or 2 or 3)) throw new ArgumentOutOfRangeException(nameof(version), version, "a .npy version is 1, 2 or 3.");
        string dict = $"{{'descr': '{DescrOf(dtype)}', 'fortran_order': False, 'shape': {ArrayShape.Text(shape)}, }}";
        int prefix = version == 1 ? 10 : 12;
        int total = prefix + dict.Length + 1;
        int padded = Math.Max((total + 63) / 64 * 64, (minTotal + 63) / 64 * 64);
        if (version == 1 && padded - prefix > ushort.MaxValue)
            throw new ArgumentException($"a .npy 1.0 header holds at most {ushort.MaxValue} bytes; this shape needs {padded - prefix}: use version 2.", nameof(shape));
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
        _ => throw new ArgumentException($"dtype {ArrayDTypes.Name(t)} cannot be written to .npy (numpy has no bfloat16); use float16 / float32, or .safetensors (SafetensorsFile, SafetensorsWriter)."),
    };

    static ArrayFileException Truncated(string name, string what) =>
        new(name, $"truncated: the file ends inside {what}. Copy the whole file, or re-export the array (numpy.save).");

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
