namespace LatentLab.Torch;

/// <summary>One entry of an ELF object's <c>.gnu.version_r</c>: version <paramref name="Name"/> of <paramref name="File"/>.</summary>
public sealed record VersionNeed(string File, string Name, int Index, ushort Flags)
{
    public bool IsWeak => (Flags & ElfImage.VerFlagWeak) != 0;
}
