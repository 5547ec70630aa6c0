using System.Buffers.Binary;
using System.Text;

namespace LatentLab.Torch;

/// <summary>
/// A minimal reader for 64-bit little-endian ELF shared objects: just enough to see which symbol versions a
/// library needs (<c>.gnu.version_r</c>), which ones a library defines (<c>.gnu.version_d</c>), which dynamic
/// symbols are bound to which version, and whether any relocation refers to them.
/// </summary>
public sealed class ElfImage
{
    const uint ShtRela = 4, ShtNobits = 8, ShtRel = 9, ShtDynsym = 11;
    const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

    /// <summary>VER_FLG_WEAK: the dynamic loader does not fail when a weak version need is missing.</summary>
    public const ushort VerFlagWeak = 0x2;

    readonly byte[] _bytes;
    readonly List<Section> _sections = new();

    public string Path { get; }

    ElfImage(string path, byte[] bytes)
    {
        Path = path;
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException($"'{path}' is not an ELF file (bad magic).");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException($"'{path}' is not a 64-bit little-endian ELF file; only those are supported.");
        ulong shoff = U64(0x28);
        int shentsize = U16(0x3A), shnum = U16(0x3C);
        if (shoff == 0 || shentsize < 64 || shoff + (ulong)(shentsize * shnum) > (ulong)bytes.Length)
            throw new InvalidDataException($"'{path}' has a truncated or missing section header table.");
        for (int i = 0; i < shnum; i++)
        {
            int o = checked((int)shoff + i * shentsize);
            _sections.Add(new Section(U32(o + 4), (int)U64(o + 24), (int)U64(o + 32), (int)U32(o + 40), U32(o + 44)));
        }
        foreach (var s in _sections.Where(s => s.Type != ShtNobits))
            if (s.Offset < 0 || s.Size < 0 || (long)s.Offset + s.Size > bytes.Length)
                throw new InvalidDataException($"'{path}' is truncated: a section lies past the end of the file.");
    }

    public static ElfImage Read(string path) => new(path, File.ReadAllBytes(path));

    public static ElfImage FromBytes(string name, byte[] bytes) => new(name, bytes);

    /// <summary>The file's bytes, including any change made by <see cref="MarkVersionNeedsWeak"/>.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Every version this object needs, with the library that should provide it.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds()
    {
        var result = new List<VersionNeed>();
        foreach (var (sec, auxOffset) in VernauxEntries())
        {
            var strtab = _sections[sec.Link];
            result.Add(new VersionNeed(
                File: ReadString(strtab, (int)U32(auxOffset.need + 4)),
                Name: ReadString(strtab, (int)U32(auxOffset.aux + 8)),
                Index: U16(auxOffset.aux + 6),
                Flags: U16(auxOffset.aux + 4)));
        }
        return result;
    }

    /// <summary>Every version name this object defines (for libstdc++: GLIBCXX_3.4 ... GLIBCXX_3.4.30, CXXABI_...).</summary>
    public IReadOnlySet<string> VersionDefinitions()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sec in _sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = _sections[sec.Link];
            int offset = sec.Offset;
            for (int n = 0; n < (int)sec.Info && offset < sec.Offset + sec.Size; n++)
            {
                int cnt = U16(offset + 6);
                int aux = offset + (int)U32(offset + 12);
                if (cnt > 0) names.Add(ReadString(strtab, (int)U32(aux)));
                uint next = U32(offset + 16);
                if (next == 0) break;
                offset += (int)next;
            }
        }
        return names;
    }

    /// <summary>Dynamic symbols bound to a given version index (from <c>.gnu.version</c>).</summary>
    public IReadOnlyList<string> SymbolsWithVersionIndex(int versionIndex)
    {
        var dynsym = _sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (dynsym is null || versym is null) return Array.Empty<string>();
        var strtab = _sections[dynsym.Link];
        int count = dynsym.Size / 24;
        var names = new List<string>();
        for (int i = 0; i < count && versym.Offset + 2 * i + 1 < _bytes.Length; i++)
            if ((U16(versym.Offset + 2 * i) & 0x7fff) == versionIndex)
                names.Add(ReadString(strtab, (int)U32(dynsym.Offset + 24 * i)));
        return names;
    }

    /// <summary>True when any dynamic relocation refers to a symbol bound to the given version index.</summary>
    public bool HasRelocationsAgainstVersion(int versionIndex)
    {
        var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (versym is null) return false;
        foreach (var rel in _sections.Where(s => s.Type is ShtRela or ShtRel))
        {
            int entry = rel.Type == ShtRela ? 24 : 16;
            for (int o = rel.Offset; o + entry <= rel.Offset + rel.Size; o += entry)
            {
                long sym = (long)(U64(o + 8) >> 32);
                if (sym == 0) continue;
                int at = versym.Offset + (int)(2 * sym);
                if (at + 1 < _bytes.Length && (U16(at) & 0x7fff) == versionIndex) return true;
            }
        }
        return false;
    }

    /// <summary>Sets VER_FLG_WEAK on the version needs with these names; returns how many entries changed.</summary>
    public int MarkVersionNeedsWeak(IEnumerable<string> versionNames)
    {
        var wanted = new HashSet<string>(versionNames, StringComparer.Ordinal);
        int changed = 0;
        foreach (var (sec, at) in VernauxEntries())
        {
            var name = ReadString(_sections[sec.Link], (int)U32(at.aux + 8));
            ushort flags = U16(at.aux + 4);
            if (wanted.Contains(name) && (flags & VerFlagWeak) == 0)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan(at.aux + 4), (ushort)(flags | VerFlagWeak));
                changed++;
            }
        }
        return changed;
    }

    IEnumerable<(Section sec, (int need, int aux) at)> VernauxEntries()
    {
        foreach (var sec in _sections.Where(s => s.Type == ShtGnuVerneed))
        {
            int need = sec.Offset;
            for (int n = 0; n < (int)sec.Info && need + 16 <= sec.Offset + sec.Size; n++)
            {
                int cnt = U16(need + 2);
                int aux = need + (int)U32(need + 8);
                for (int a = 0; a < cnt && aux + 16 <= _bytes.Length; a++)
                {
                    yield return (sec, (need, aux));
                    uint auxNext = U32(aux + 12);
                    if (auxNext == 0) break;
                    aux += (int)auxNext;
                }
                uint next = U32(need + 12);
                if (next == 0) break;
                need += (int)next;
            }
        }
    }

    string ReadString(Section strtab, int offset)
    {
        int start = strtab.Offset + offset;
        if (offset < 0 || start >= strtab.Offset + strtab.Size)
            throw new InvalidDataException($"'{Path}' has a string-table reference past its end.");
        int end = start;
        while (end < _bytes.Length && _bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(_bytes, start, end - start);
    }

    ushort U16(int o) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(o));
    uint U32(int o) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(o));
    ulong U64(int o) => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(o));

    sealed record Section(uint Type, int Offset, int Size, int Link, uint Info);
}
