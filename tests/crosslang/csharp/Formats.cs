namespace PlasmaSharp.CrossLang;

/// <summary>The byte formats every language of the cross-language tests shares
/// (tests/crosslang/README.md): the data pattern, FNV-1a 64 and the "many"/"stream" objects.</summary>
internal static class Formats
{
    public static byte PatternByte(long i, int seed) => (byte)((i % 251 + 13 * (i >> 16) + seed) & 0xff);

    public static void FillPattern(Span<byte> data, long offset, int seed)
    {
        for (int i = 0; i < data.Length; i++) data[i] = PatternByte(offset + i, seed);
    }

    /// <summary>Index of the first byte that differs from the pattern, or -1.</summary>
    public static long FindPatternMismatch(ReadOnlySpan<byte> data, long offset, int seed)
    {
        // Counters instead of % and >> per byte: 256 MiB objects are checked here.
        long index = offset;
        int mod = (int)(offset % 251);
        for (int i = 0; i < data.Length; i++, index++)
        {
            int expected = (int)((mod + 13 * (index >> 16) + seed) & 0xff);
            if (data[i] != expected) return index;
            if (++mod == 251) mod = 0;
        }
        return -1;
    }

    public static ulong Fnv1a64(ReadOnlySpan<byte> data, ulong hash = 0xcbf29ce484222325UL)
    {
        foreach (byte b in data)
        {
            hash ^= b;
            hash *= 0x100000001b3UL;
        }
        return hash;
    }

    public static byte[] ManyMetadata(int k) => k % 10 == 0 ? [] : System.Text.Encoding.ASCII.GetBytes($"meta-{k}");

    public static int ManySize(int k) => k * 37 % 300;

    public static int StreamSize(int k) => 4096 + k * 1021;
}

/// <summary>A failed check: printed as "FAIL: message", exit code 1.</summary>
internal sealed class CheckFailed(string message) : Exception(message);
