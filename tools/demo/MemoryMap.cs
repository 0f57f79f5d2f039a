using System.Globalization;

namespace PlasmaSharp.Demo;

/// <summary>One line of /proc/self/maps: where a file is mapped in this process. Used as the proof
/// of zero copy: an Arrow column's buffer address lies inside the mapping of the store's
/// shared-memory file, at the same file offset in every process.</summary>
internal sealed record MappedRegion(ulong Start, ulong End, ulong FileOffset, string Device, ulong Inode, string Path)
{
    /// <summary>The mapping of this process that contains <paramref name="address"/>, or null.</summary>
    public static MappedRegion? Containing(ulong address)
    {
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            MappedRegion? region = Parse(line);
            if (region is not null && region.Start <= address && address < region.End) return region;
        }
        return null;
    }

    // "7f12a0000000-7f12e0000000 rw-s 00000000 00:1a 12345   /dev/shm/plasmaXYZ (deleted)"
    private static MappedRegion? Parse(string line)
    {
        string[] parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 5) return null;
        string[] range = parts[0].Split('-');
        if (range.Length != 2) return null;
        return new MappedRegion(
            ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(parts[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            parts[3],
            ulong.Parse(parts[4], CultureInfo.InvariantCulture),
            parts.Length > 5 ? parts[5].Trim() : "");
    }

    /// <summary>The offset in the mapped file of <paramref name="address"/> (same in every process
    /// that maps the same file: that is what "shared memory" means).</summary>
    public ulong FileOffsetOf(ulong address) => address - Start + FileOffset;

    public bool Contains(ulong start, ulong length) => Start <= start && start + length <= End;
}
