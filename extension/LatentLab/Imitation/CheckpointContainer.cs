using System.Security.Cryptography;
using LatentLab.Formats;

namespace LatentLab.Imitation;

/// <summary>
/// The file layout every LatentLab checkpoint shares (the bandit student's, the RL policy's, the cot-synthetic transformer's): magic, format version,
/// metadata JSON, weights, SHA-256 of both. Written atomically: a temp file in the same folder (locked while written),
/// flushed, then renamed over the path; a save killed half-way leaves the old file, and its temp file is cleared on the next save
/// or read. <see cref="Read"/> checks the layout for every kind.
/// </summary>
public static class CheckpointContainer
{
    /// <summary>Writes one checkpoint; throws <see cref="CheckpointException"/> for a path that is a folder or lies under a file.</summary>
    public static void Write(string path, byte[] magic, int format, byte[] json, byte[] weights)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (Directory.Exists(full))
            throw new CheckpointException($"'{path}' is a directory, give a file: the checkpoint path inside it (e.g. {Path.Combine(path, "model.ckpt")}).");
        if (File.Exists(dir))
            throw new CheckpointException($"cannot save to '{path}': '{dir}' is a file, not a folder. Give a path in an existing or new folder.");
        Directory.CreateDirectory(dir);
        StaleTempFiles.Remove(full);                             // left by a save that was killed half-way
        var tmp = StaleTempFiles.NewTempPath(full);
        try
        {
            // FileShare.None: the open file is locked, so another process's clean-up never takes a temp file still being written.
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var w = new BinaryWriter(fs))
            {
                w.Write(magic);
                w.Write(format);
                w.Write(json.Length);
                w.Write(json);
                w.Write((long)weights.Length);
                w.Write(weights);
                w.Write(Hash(json, weights));
                w.Flush();
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>How one kind of checkpoint names itself in <see cref="Read"/>'s messages, and the formats it reads.</summary>
    /// <param name="Name">e.g. "LatentLab bandit-student checkpoint" (after "is not a").</param>
    /// <param name="Magic">The header line it starts with.</param>
    /// <param name="LoadHint">What to load instead (after "Load"), e.g. "a file written by TrainedStudent.Save".</param>
    /// <param name="MissingHint">How to make one, for a missing file, e.g. "or train and Save first".</param>
    /// <param name="Remake">How to make an intact file again, e.g. "save the model again", "retrain".</param>
    public sealed record Kind(string Name, byte[] Magic, int MinFormat, int MaxFormat, string LoadHint, string MissingHint, string Remake);

    /// <summary>The parts of a checked checkpoint file.</summary>
    public sealed record Contents(int Format, byte[] Json, byte[] Weights);

    /// <summary>
    /// Reads one checkpoint of <paramref name="kind"/> and checks its layout: header, format in range, lengths, checksum, no
    /// trailing bytes (clearing a temp file a killed save left next to it). Throws <see cref="CheckpointException"/> naming the
    /// problem and the fix; the metadata JSON is the caller's to parse.
    /// </summary>
    public static Contents Read(string path, Kind kind)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CheckpointException($"No checkpoint path was given; pass {kind.LoadHint}.");
        if (Directory.Exists(path))
            throw new CheckpointException($"'{path}' is a directory, give a file: the checkpoint file inside it (e.g. {Path.Combine(path, "model.ckpt")}).");
        if (!File.Exists(path)) throw new CheckpointException($"No checkpoint at '{path}': the file does not exist. Check the path ({kind.MissingHint}).");
        StaleTempFiles.Remove(path);
        var bytes = File.ReadAllBytes(path);
        var magic = kind.Magic;
        if (bytes.Length < magic.Length || !bytes.AsSpan(0, magic.Length).SequenceEqual(magic))
            throw new CheckpointException($"'{path}' is not a {kind.Name} (it does not start with the {System.Text.Encoding.ASCII.GetString(magic).TrimEnd('\n')} header). " +
                                          $"Load {kind.LoadHint}.");
        int at = magic.Length;
        string Truncated(long need) => $"'{path}' is truncated: it has {bytes.Length} bytes but its header promises at least {need}. " +
                                       $"The copy or save was interrupted; {kind.Remake}.";
        if (bytes.Length < at + 8) throw new CheckpointException(Truncated(at + 8));
        int format = BitConverter.ToInt32(bytes, at);
        if (format < kind.MinFormat || format > kind.MaxFormat)
            throw new CheckpointException($"'{path}' has checkpoint format {format}, but this LatentLab reads " +
                                          (kind.MinFormat == kind.MaxFormat ? $"format {kind.MaxFormat}" : $"formats {kind.MinFormat}..{kind.MaxFormat}") +
                                          $": it is incompatible. Use the LatentLab version that wrote it, or {kind.Remake}.");
        int jsonLength = BitConverter.ToInt32(bytes, at + 4);
        at += 8;
        if (jsonLength < 0) throw new CheckpointException($"'{path}' is corrupted: its metadata length is negative.");
        if ((long)at + jsonLength + 8 > bytes.Length) throw new CheckpointException(Truncated((long)at + jsonLength + 8));
        var json = bytes.AsSpan(at, jsonLength).ToArray();
        at += jsonLength;
        long weightsLength = BitConverter.ToInt64(bytes, at);
        at += 8;
        if (weightsLength < 0) throw new CheckpointException($"'{path}' is corrupted: its weights length is negative.");
        if (at + weightsLength + 32 > bytes.Length) throw new CheckpointException(Truncated(at + weightsLength + 32));
        var weights = bytes.AsSpan(at, (int)weightsLength).ToArray();
        at += (int)weightsLength;
        if (!bytes.AsSpan(at, 32).SequenceEqual(Hash(json, weights)))
            throw new CheckpointException($"'{path}' is corrupted: its SHA-256 checksum does not match its contents (a byte changed after it was saved). " +
                                          $"Use an intact copy or {kind.Remake}.");
        if (bytes.Length != at + 32)
            throw new CheckpointException($"'{path}' is corrupted: it has {bytes.Length - at - 32} unexpected bytes after the checksum.");
        return new Contents(format, json, weights);
    }

    /// <summary>Whether the file at <paramref name="path"/> begins with <paramref name="magic"/> (reads only those bytes; false for a missing file).</summary>
    public static bool StartsWith(string path, byte[] magic)
    {
        if (!File.Exists(path)) return false;
        var head = new byte[magic.Length];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.AsSpan().SequenceEqual(magic);
    }

    /// <summary>SHA-256 of the metadata and the weights, as stored at the end of the file.</summary>
    public static byte[] Hash(byte[] json, byte[] weights)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(json);
        sha.AppendData(weights);
        return sha.GetHashAndReset();
    }
}
