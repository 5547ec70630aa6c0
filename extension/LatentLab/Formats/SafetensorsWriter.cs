using System.Runtime.InteropServices;

namespace LatentLab.Formats;

/// <summary>
/// Writes a .safetensors file to disk a piece at a time: the tensors (names, dtypes, shapes) are declared up front, so
/// the header is written first, and then each tensor's bytes are appended in order, in as many pieces as the producer
/// likes and in any interleaving across tensors (one layer at a time, or one question of every layer at a time).
/// <code>
/// var specs = Enumerable.Range(0, L).Select(l => new TensorSpec($"layer_{l}", ArrayDType.Float16, [N, P, D])).ToList();
/// using var w = SafetensorsWriter.Create("acts.safetensors", specs);
/// w.Append("layer_0", bytes);   // (b, P, D) float16, the next b questions of layer 0
/// w.Complete();                 // checks every tensor is complete; moves the file into place
/// </code>
/// The data goes to "path.partial"; <see cref="Complete"/> moves it to the path in one rename (disposing without it
/// deletes the partial file), so a reader never sees a file with unwritten (zero) regions.
/// </summary>
public sealed class SafetensorsWriter : IDisposable
{
    readonly FileStream _stream;
    readonly Dictionary<string, int> _index = [];
    readonly TensorSpec[] _tensors;
    readonly long[] _begin, _bytes, _written;   // per tensor: absolute data offset, size, bytes appended
    bool _done;

    /// <summary>The file written by <see cref="Complete"/>.</summary>
    public string Path { get; }
    /// <summary>The declared tensors, in file order.</summary>
    public IReadOnlyList<TensorSpec> Tensors => _tensors;

    SafetensorsWriter(string path, TensorSpec[] tensors, byte[] header)
    {
        Path = path;
        _tensors = tensors;
        _begin = new long[tensors.Length];
        _bytes = new long[tensors.Length];
        _written = new long[tensors.Length];
        long offset = header.Length;
        for (int i = 0; i < tensors.Length; i++)
        {
            _index[tensors[i].Name] = i;
            _begin[i] = offset;
            _bytes[i] = ArrayShape.ByteCount(tensors[i].Shape, tensors[i].DType, path);
            offset = checked(offset + _bytes[i]);
        }
        _stream = PartialFile.Create(path, FileAccess.ReadWrite);
        _stream.SetLength(offset);   // sparse on Linux filesystems: no zeros are written
        _stream.Write(header);
    }

    /// <summary>Starts a .safetensors file holding <paramref name="tensors"/> (stored in this order), with optional string metadata.</summary>
    public static SafetensorsWriter Create(string path, IEnumerable<TensorSpec> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToArray();
        foreach (var t in list)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            if (t.Shape.Any(d => d < 0))
                throw new ArgumentException($"tensor '{t.Name}' has shape {ArrayShape.Text(t.Shape)} with a negative dimension; expected sizes >= 0.", nameof(tensors));
        }
        if (Directory.Exists(path))
            throw new ArgumentException($"'{path}' is a folder; give the path of the .safetensors file to write (e.g. {System.IO.Path.Combine(path, "acts.safetensors")}).", nameof(path));
        var header = SafetensorsFile.HeaderBytes(list, metadata, 0);
        return new SafetensorsWriter(path, list, header);
    }

    /// <summary>Bytes appended so far to tensor <paramref name="name"/>.</summary>
    public long BytesWritten(string name) => _written[IndexOf(name)];

    /// <summary>Appends little-endian element bytes to tensor <paramref name="name"/>, after what it already holds.</summary>
    public void Append(string name, ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        int i = IndexOf(name);
        if (data.Length > _bytes[i] - _written[i])
            throw new ArgumentException($"{System.IO.Path.GetFileName(Path)}: {data.Length} more bytes for tensor '{name}' of shape {ArrayShape.Text(_tensors[i].Shape)} " +
                $"({ArrayDTypes.Name(_tensors[i].DType)}), which holds {_bytes[i]} bytes and has {_written[i]} already.", nameof(data));
        long at = _begin[i] + _written[i];
        if (_stream.Position != at) _stream.Position = at;
        _stream.Write(data);
        _written[i] += data.Length;
    }

    /// <summary>Appends elements held as <typeparamref name="T"/> (float for F32, Half for F16, ushort bits for BF16, long for I64, ...).</summary>
    public void Append<T>(string name, ReadOnlySpan<T> values) where T : unmanaged
    {
        var dtype = _tensors[IndexOf(name)].DType;
        if (!ArrayDTypes.Holds<T>(dtype))
            throw new ArgumentException($"{typeof(T).Name} values cannot be appended to tensor '{name}' of dtype {ArrayDTypes.Name(dtype)}; convert them, or append their bytes.", nameof(values));
        Append(name, MemoryMarshal.AsBytes(values));
    }

    /// <summary>Checks every tensor got all its bytes, then moves the file into place.</summary>
    /// <exception cref="ArrayFileException">A tensor is incomplete (the partial file is deleted).</exception>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        try
        {
            var missing = Enumerable.Range(0, _tensors.Length).Where(i => _written[i] != _bytes[i]).ToList();
            if (missing.Count > 0)
                throw new ArrayFileException(Path, $"{missing.Count} of {_tensors.Length} tensors are incomplete (" +
                    string.Join(", ", missing.Take(5).Select(i => $"'{_tensors[i].Name}' {_written[i]} of {_bytes[i]} bytes")) + (missing.Count > 5 ? ", ..." : "") +
                    "); append every tensor's data before Complete.");
            PartialFile.Commit(_stream, Path);
            _done = true;
        }
        finally
        {
            if (!_done) Dispose();
        }
    }

    int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i
        : throw new ArgumentException($"no tensor '{name}' was declared; declared: {string.Join(", ", _tensors.Take(10).Select(t => t.Name))}{(_tensors.Length > 10 ? ", ..." : "")}.", nameof(name));

    /// <summary>Without <see cref="Complete"/>: closes and deletes the partial file (the path keeps whatever it held before).</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        PartialFile.Discard(_stream, Path);
    }
}
