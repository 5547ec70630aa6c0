namespace LatentLab.Torch;

/// <summary>What must be done so that TorchSharp's native library loads with this system's libstdc++.</summary>
public enum NativeFix
{
    /// <summary>The system provides every version the library needs: load it as it is.</summary>
    None,
    /// <summary>Some needed versions are missing but nothing binds to them: load a private copy with those needs made weak.</summary>
    WeakenMissingVersions,
    /// <summary>Symbols the library really uses need a newer libstdc++: this cannot be fixed in-process.</summary>
    Impossible,
}

/// <summary>
/// The decision, with its reasons: which libstdc++ versions the native library needs that the system lacks,
/// and whether any symbol the library actually relocates against depends on them.
/// </summary>
public sealed record NativeCompatibility(
    NativeFix Fix,
    IReadOnlyList<string> MissingVersions,
    IReadOnlyList<string> SymbolsNeedingMissing,
    string Library,
    string SystemLibrary,
    string NewestSystemVersion)
{
    /// <summary>Symbols that GCC 13 adds as a marker in every object including &lt;iostream&gt;; nothing calls them.</summary>
    public static readonly IReadOnlySet<string> MarkerSymbols = new HashSet<string>(StringComparer.Ordinal) { "_ZSt21ios_base_library_initv" };

    const string StdCxx = "libstdc++.so.6";

    /// <summary>Compares what <paramref name="library"/> needs from libstdc++ with what <paramref name="systemStdCxx"/> defines.</summary>
    public static NativeCompatibility Assess(ElfImage library, ElfImage systemStdCxx) =>
        Assess(library, systemStdCxx.VersionDefinitions(), systemStdCxx.Path);

    public static NativeCompatibility Assess(ElfImage library, IReadOnlySet<string> provided, string systemLibraryPath)
    {
        var missing = library.VersionNeeds()
            .Where(n => n.File == StdCxx && !n.IsWeak && !provided.Contains(n.Name))
            .ToList();
        var newest = provided.Where(v => v.StartsWith("GLIBCXX_", StringComparison.Ordinal))
            .OrderBy(v => v, VersionNameComparer.Instance).LastOrDefault() ?? "none";
        if (missing.Count == 0)
            return new(NativeFix.None, Array.Empty<string>(), Array.Empty<string>(), library.Path, systemLibraryPath, newest);

        var symbols = missing.SelectMany(n => library.SymbolsWithVersionIndex(n.Index)).Distinct().ToList();
        bool used = missing.Any(n => library.HasRelocationsAgainstVersion(n.Index))
                    || symbols.Any(s => !MarkerSymbols.Contains(s));
        return new(used ? NativeFix.Impossible : NativeFix.WeakenMissingVersions,
            missing.Select(n => n.Name).ToList(), symbols, library.Path, systemLibraryPath, newest);
    }

    /// <summary>The message a user sees when <see cref="Fix"/> is <see cref="NativeFix.Impossible"/>.</summary>
    public string Explain() =>
        $"TorchSharp's native library '{System.IO.Path.GetFileName(Library)}' needs {string.Join(", ", MissingVersions)} from libstdc++ " +
        $"(GCC 13 or newer), but this system's '{SystemLibrary}' stops at {NewestSystemVersion}, and the library really uses " +
        $"{string.Join(", ", SymbolsNeedingMissing.Take(5))} from it, so LatentLab cannot work around it in-process. " +
        "Fix: install a newer libstdc++6 (GCC 13+, e.g. from Debian 13 / Ubuntu 24.04 or a conda 'libstdcxx-ng' on LD_LIBRARY_PATH), " +
        "or use a TorchSharp build compiled against your system's compiler. Then restart the kernel.";

    /// <summary>Orders GLIBCXX_3.4.9 before GLIBCXX_3.4.30 (numeric, not lexical).</summary>
    sealed class VersionNameComparer : IComparer<string>
    {
        public static readonly VersionNameComparer Instance = new();
        public int Compare(string? x, string? y)
        {
            var a = Parts(x); var b = Parts(y);
            for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
            {
                int c = (i < a.Length ? a[i] : -1).CompareTo(i < b.Length ? b[i] : -1);
                if (c != 0) return c;
            }
            return 0;
        }
        static int[] Parts(string? v) =>
            (v ?? "").Split('_').Last().Split('.').Select(p => int.TryParse(p, out var n) ? n : 0).ToArray();
    }
}
