using System.Security.Cryptography;
using LatentLab.Formats;

namespace LatentLab.Imitation;

/// <summary>
/// The file layout every LatentLab checkpoint shares (the bandit student's, the RL policy's): magic, format version,
/// metadata JSON, weights, SHA-256 of both. Written atomically: a temp file in the same folder (locked while written),
/// flushed, then renamed over the path; a save killed half-way leaves the old file, and its temp file is cleared on the next save.
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
