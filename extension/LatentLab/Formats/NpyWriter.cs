using System.Runtime.InteropServices;

namespace LatentLab.Formats;

/// <summary>
/// Writes a .npy array to disk a piece at a time along its first axis (one question, one batch of rows), so the
/// whole array never has to be in memory. The header reserves room for the final shape and is rewritten in place by
/// <see cref="Complete"/> with the number of rows written (the way numpy's own writers leave room to grow).
/// <code>
/// using var w = NpyWriter.Create("acts.npy", ArrayDType.Float16, rowShape: [L, P, D]);   // rows: N, or null = count them
/// foreach (var q in questions) w.Append(bytesOfOneQuestion);                            // (L, P, D) float16 each
/// w.Complete();                                                                         // header (N, L, P, D), file in place
/// </code>
/// The data goes to "path.partial"; <see cref="Complete"/> moves it to the path in one rename, so a reader never sees a
/// half-written file and an interrupted producer leaves the previous file (if any) untouched. Disposing without
/// <see cref="Complete"/> deletes the partial file. To keep what an interrupted producer wrote, call Complete
/// (with <c>rows</c> left null, any whole number of rows is a valid array).
/// </summary>
public sealed class NpyWriter : IDisposable
{
    readonly FileStream _stream;
    readonly long[] _rowShape;
    readonly int _headerBytes;
    bool _done;

    /// <summary>The file written by <see cref="Complete"/>.</summary>
    public string Path { get; }
    public ArrayDType DType { get; }
    /// <summary>The shape of one row (one question): the array's shape without its first axis.</summary>
    public IReadOnlyList<long> RowShape => _rowShape;
    /// <summary>Bytes of one row.</summary>
    public long RowBytes { get; }
    /// <summary>Rows declared at <see cref="Create"/> (checked at <see cref="Complete"/>), or null when they are counted.</summary>
    public long? RowsDeclared { get; }
    /// <summary>Data bytes appended so far.</summary>
    public long BytesWritten { get; private set; }
    /// <summary>Whole rows appended so far.</summary>
    public long RowsWritten => RowBytes == 0 ? 0 : BytesWritten / RowBytes;

    NpyWriter(string path, ArrayDType dtype, long[] rowShape, long? rows)
    {
        Path = path;
        DType = dtype;
        _rowShape = rowShape;
        RowsDeclared = rows;
        RowBytes = ArrayShape.ByteCount(rowShape, dtype, path);
        // Room for the largest first dimension (19 digits): the final header never outgrows the reserved bytes.
        _headerBytes = NpyFile.HeaderBytes(dtype, [long.MaxValue, .. rowShape], 1, 0).Length;
        _stream = PartialFile.Create(path, FileAccess.ReadWrite);
        _stream.Write(Header(rows ?? 0));
    }

    /// <summary>Starts a .npy file of rows of shape <paramref name="rowShape"/> (e.g. [L, P, D] for one question of activations).</summary>
    /// <param name="rows">The number of rows, checked at <see cref="Complete"/>; null to count them as they come.</param>
    public static NpyWriter Create(string path, ArrayDType dtype, long[] rowShape, long? rows = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(rowShape);
        if (dtype == ArrayDType.BFloat16)
            throw new ArgumentException("numpy has no bfloat16, so a .npy file cannot hold it; write float16 or float32 here, or bfloat16 to .safetensors (SafetensorsWriter).", nameof(dtype));
        if (rowShape.Any(d => d < 0))
            throw new ArgumentException($"row shape {ArrayShape.Text(rowShape)} has a negative dimension; expected sizes >= 0.", nameof(rowShape));
        if (rows < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "the number of rows is >= 0 (or null to count them).");
        if (rows is { } r) ArrayShape.ByteCount([r, .. rowShape], dtype, path);
        if (Directory.Exists(path))
            throw new ArgumentException($"'{path}' is a folder; give the path of the .npy file to write (e.g. {System.IO.Path.Combine(path, "acts.npy")}).", nameof(path));
        return new NpyWriter(path, dtype, rowShape, rows);
    }

    /// <summary>Appends little-endian element bytes: any length (a row may arrive in pieces); whole rows by <see cref="Complete"/>.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        long after = checked(BytesWritten + data.Length);
        if (RowsDeclared is { } rows && after > rows * RowBytes)
            throw new ArgumentException($"{System.IO.Path.GetFileName(Path)}: {after} bytes appended, more than the {rows} declared rows of shape " +
                $"{ArrayShape.Text(_rowShape)} ({ArrayDTypes.Name(DType)}) hold ({rows * RowBytes} bytes).", nameof(data));
        _stream.Write(data);
        BytesWritten = after;
    }

    /// <summary>Appends elements held as <typeparamref name="T"/> (float for float32, Half for float16, long for int64, ...).</summary>
    public void Append<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        if (!ArrayDTypes.Holds<T>(DType))
            throw new ArgumentException($"{typeof(T).Name} values cannot be appended to a {ArrayDTypes.Name(DType)} array; convert them, or append their bytes.", nameof(values));
        Append(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Writes the header with the final shape (rows written, checked against the declared rows) and moves the file into place.</summary>
    /// <exception cref="ArrayFileException">A partial row, or fewer rows than declared (the partial file is deleted).</exception>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        try
        {
            if (RowBytes > 0 && BytesWritten % RowBytes != 0)
                throw new ArrayFileException(Path, $"{BytesWritten} data bytes is not a whole number of rows of shape {ArrayShape.Text(_rowShape)} " +
                    $"({ArrayDTypes.Name(DType)}, {RowBytes} bytes each); append the rest of the last row before Complete.");
            if (RowsDeclared is { } rows && RowsWritten != rows)
                throw new ArrayFileException(Path, $"{RowsWritten} rows written of the {rows} declared; append them all, or declare rows: null to write as many as come.");
            _stream.Position = 0;
            _stream.Write(Header(RowsDeclared ?? RowsWritten));
            PartialFile.Commit(_stream, Path);
            _done = true;
        }
        finally
        {
            if (!_done) Dispose();
        }
    }

    byte[] Header(long rows) => NpyFile.HeaderBytes(DType, [rows, .. _rowShape], 1, _headerBytes);

    /// <summary>Without <see cref="Complete"/>: closes and deletes the partial file (the path keeps whatever it held before).</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        PartialFile.Discard(_stream, Path);
    }
}
