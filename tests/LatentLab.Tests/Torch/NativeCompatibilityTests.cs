using LatentLab.Torch;

namespace LatentLab.Tests.Torch;

public class NativeCompatibilityTests
{
    static ElfImage TorchSharpNative() =>
        ElfImage.Read(NativeLocator.FindLibTorchSharp() ?? throw new InvalidOperationException("libLibTorchSharp.so not in the test output"));

    static HashSet<string> StdCxxUpTo(int lastMinor) =>
        Enumerable.Range(0, lastMinor + 1).Select(i => i == 0 ? "GLIBCXX_3.4" : $"GLIBCXX_3.4.{i}")
            .Concat(Enumerable.Range(0, 14).Select(i => i == 0 ? "CXXABI_1.3" : $"CXXABI_1.3.{i}"))
            .ToHashSet();

    [Fact]
    public void TorchSharpNative_NeedsGlibcxx3432_OnlyForTheIostreamMarker()
    {
        var assessment = NativeCompatibility.Assess(TorchSharpNative(), StdCxxUpTo(30), "libstdc++ (GCC 12)");

        Assert.Equal(NativeFix.WeakenMissingVersions, assessment.Fix);
        Assert.Equal(new[] { "GLIBCXX_3.4.32" }, assessment.MissingVersions);
        Assert.Equal(new[] { "_ZSt21ios_base_library_initv" }, assessment.SymbolsNeedingMissing);
        Assert.Equal("GLIBCXX_3.4.30", assessment.NewestSystemVersion);
    }

    [Fact]
    public void NewEnoughLibStdCxx_NeedsNoFix()
    {
        var assessment = NativeCompatibility.Assess(TorchSharpNative(), StdCxxUpTo(33), "libstdc++ (GCC 14)");

        Assert.Equal(NativeFix.None, assessment.Fix);
        Assert.Empty(assessment.MissingVersions);
    }

    [Fact]
    public void MissingVersionThatRealSymbolsUse_IsReportedAsImpossible_WithTheVersionAndFix()
    {
        // GCC 4.x stopped around GLIBCXX_3.4.19: the library binds real std::string symbols to 3.4.21.
        var assessment = NativeCompatibility.Assess(TorchSharpNative(), StdCxxUpTo(19), "/old/libstdc++.so.6");

        Assert.Equal(NativeFix.Impossible, assessment.Fix);
        Assert.Contains("GLIBCXX_3.4.21", assessment.MissingVersions);
        var message = assessment.Explain();
        Assert.Contains("GLIBCXX_3.4.21", message);
        Assert.Contains("/old/libstdc++.so.6", message);
        Assert.Contains("GLIBCXX_3.4.19", message);
        Assert.Contains("install a newer libstdc++6", message);
    }

    [Fact]
    public void MarkingMissingVersionsWeak_ChangesOnlyThoseEntries_AndThenNoFixIsNeeded()
    {
        var original = TorchSharpNative();
        var copy = ElfImage.FromBytes("copy", original.Bytes.ToArray());

        int changed = copy.MarkVersionNeedsWeak(new[] { "GLIBCXX_3.4.32" });

        Assert.Equal(1, changed);
        var before = original.VersionNeeds();
        var after = copy.VersionNeeds();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].Name, after[i].Name);
            Assert.Equal(before[i].Name == "GLIBCXX_3.4.32", after[i].IsWeak && !before[i].IsWeak);
        }
        Assert.Equal(NativeFix.None, NativeCompatibility.Assess(copy, StdCxxUpTo(30), "gcc12").Fix);
        // Exactly the two flag bytes differ.
        int diffs = 0;
        for (int i = 0; i < original.Bytes.Length; i++) if (original.Bytes[i] != copy.Bytes[i]) diffs++;
        Assert.InRange(diffs, 1, 2);
    }

    [Fact]
    public void SystemLibStdCxx_DefinesGlibcxxVersions()
    {
        var path = NativeLocator.FindSystemLibStdCxx();
        Assert.NotNull(path);
        var defs = ElfImage.Read(path!).VersionDefinitions();
        Assert.Contains("GLIBCXX_3.4", defs);
        Assert.Contains("CXXABI_1.3", defs);
    }

    [Fact]
    public void TruncatedOrForeignFile_GivesAClearMessage()
    {
        var truncated = TorchSharpNative().Bytes[..4096].ToArray();
        var e1 = Assert.Throws<InvalidDataException>(() => ElfImage.FromBytes("cut.so", truncated));
        Assert.Contains("cut.so", e1.Message);
        Assert.Contains("truncated", e1.Message);

        var e2 = Assert.Throws<InvalidDataException>(() => ElfImage.FromBytes("notes.txt", "hello, this is not ELF at all, padded out to 64 bytes ....."u8.ToArray()));
        Assert.Contains("not an ELF file", e2.Message);
    }

    [Fact]
    public void PatchedFolder_HoldsWeakenedCopyAndLinksToLibTorch_AndIsReused()
    {
        var lib = NativeLocator.FindLibTorchSharp()!;
        var libtorch = NativeLocator.FindLibTorch(lib)!;
        Assert.False(libtorch.IsCuda);   // this machine has only the CPU backend
        var root = Path.Combine(Path.GetTempPath(), "latentlab-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var folder = PatchedNatives.Prepare(lib, libtorch, new[] { "GLIBCXX_3.4.32" }, root);
            var patched = ElfImage.Read(Path.Combine(folder, NativeLocator.LibTorchSharpFile));
            Assert.True(patched.VersionNeeds().Single(n => n.Name == "GLIBCXX_3.4.32").IsWeak);
            Assert.NotNull(new FileInfo(Path.Combine(folder, "libtorch_cpu.so")).LinkTarget);
            Assert.Equal(folder, PatchedNatives.Prepare(lib, libtorch, new[] { "GLIBCXX_3.4.32" }, root));
            Assert.Single(Directory.GetDirectories(root)); // no staging folders left behind
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task PatchedFolder_BuiltByManyAtOnce_IsNeverTakenAwayFromOneThatHasIt()
    {
        // A sweep's workers start together on a fresh machine: each must get a complete folder and keep it; one must not
        // take another's finished folder for an incomplete leftover and delete it (CI saw a point fail to load its natives).
        var lib = NativeLocator.FindLibTorchSharp()!;
        var libtorch = NativeLocator.FindLibTorch(lib)!;
        var root = Path.Combine(Path.GetTempPath(), "latentlab-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var image = ElfImage.Read(lib);
            using var start = new Barrier(6);
            var lost = 0;
            var folders = Enumerable.Range(0, 6).Select(_ => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                var folder = PatchedNatives.Prepare(image, libtorch, ["GLIBCXX_3.4.32"], root);
                for (int i = 0; i < 200; i++)   // while the others may still be building
                    if (!File.Exists(Path.Combine(folder, NativeLocator.LibTorchSharpFile))) Interlocked.Increment(ref lost);
                return folder;
            }, TaskCreationOptions.LongRunning)).ToArray();
            var got = await Task.WhenAll(folders);
            Assert.Single(got.Distinct());
            Assert.Equal(0, lost);
            Assert.Single(Directory.GetDirectories(root));   // no staging folders left behind
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void PrivateCopyWithNothingToWeaken_IsTheLibraryUnchanged_InItsOwnFolder()
    {
        // What LATENTLAB_LIBTORCH_DIR gets on a system whose libstdc++ is new enough: the same library, linked to that folder.
        var lib = NativeLocator.FindLibTorchSharp()!;
        var libtorch = NativeLocator.FindLibTorch(lib)!;
        var root = Path.Combine(Path.GetTempPath(), "latentlab-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var unchanged = PatchedNatives.Prepare(lib, libtorch, [], root);
            var weakened = PatchedNatives.Prepare(lib, libtorch, ["GLIBCXX_3.4.32"], root);
            Assert.NotEqual(unchanged, weakened);
            Assert.Equal(File.ReadAllBytes(lib), File.ReadAllBytes(Path.Combine(unchanged, NativeLocator.LibTorchSharpFile)));
            Assert.NotNull(new FileInfo(Path.Combine(unchanged, NativeLocator.LibTorchCpuFile)).LinkTarget);
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
