using System.Text;
using System.Text.Json;
using LatentLab.Imitation;

namespace LatentLab.Tests.Imitation;

/// <summary>A save killed half-way leaves LatentLab's temp file beside the checkpoint; the next save or load removes it (only it).</summary>
public class CheckpointTempFileTests
{
    [Fact]
    public void SaveAndLoad_RemoveUnlockedTempFilesOfTheirOwnName_Only()
    {
        var dir = Directory.CreateTempSubdirectory("latentlab-ckpt-tmp-");
        try
        {
            var path = Path.Combine(dir.FullName, "student.ckpt");
            var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { }));
            var staleBeforeSave = Path.Combine(dir.FullName, ".student.ckpt.00aa11bb.tmp");
            File.WriteAllBytes(staleBeforeSave, new byte[100]);
            var locked = Path.Combine(dir.FullName, ".student.ckpt.cc22dd33.tmp");
            var foreign = new[] { ".student.ckpt.XYZ.tmp", ".student.ckpt.00aa11bb.tmp.bak", "student.ckpt.tmp", ".other.ckpt.00aa11bb.tmp" }
                .Select(n => Path.Combine(dir.FullName, n)).ToArray();
            foreach (var f in foreign) File.WriteAllText(f, "not ours");
            using (new FileStream(locked, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                StudentCheckpoint.WriteRaw(path, json, [1, 2, 3], StudentCheckpoint.FormatVersion);
                Assert.False(File.Exists(staleBeforeSave));
                Assert.True(File.Exists(locked), "a temp file held by a writer was removed");
            }
            var staleBeforeLoad = Path.Combine(dir.FullName, ".student.ckpt.44ee55ff.tmp");
            File.WriteAllBytes(staleBeforeLoad, new byte[100]);
            Assert.ThrowsAny<Exception>(() => StudentCheckpoint.Read(path));      // '{}' has no options: the read itself fails later
            Assert.False(File.Exists(staleBeforeLoad));
            Assert.False(File.Exists(locked), "once its writer let go, the temp file is stale and goes on the next load");
            Assert.All(foreign, f => Assert.True(File.Exists(f), $"{f} was removed"));
            Assert.Single(Directory.GetFiles(dir.FullName, ".student.ckpt.*.tmp"), f => f.EndsWith(".XYZ.tmp"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ADirectoryGivenAsTheFile_SaysSo()
    {
        var dir = Directory.CreateTempSubdirectory("latentlab-ckpt-dir-");
        try
        {
            Assert.Contains("is a directory, give a file", Assert.Throws<CheckpointException>(() => StudentCheckpoint.Read(dir.FullName)).Message);
            Assert.Contains("is a directory, give a file", Assert.Throws<CheckpointException>(() => StudentCheckpoint.WriteRaw(dir.FullName, [], [], 1)).Message);
            var file = Path.Combine(dir.FullName, "f.txt");
            File.WriteAllText(file, "x");
            Assert.Contains("is a file, not a folder", Assert.Throws<CheckpointException>(() => StudentCheckpoint.WriteRaw(Path.Combine(file, "m.ckpt"), [], [], 1)).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
