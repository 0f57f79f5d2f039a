using System.Globalization;

namespace PlasmaSharp.Cluster;

/// <summary>The value stored for one (object, node) pair: "DATA,METADATA,DIGEST" or
/// "DATA,METADATA,DIGEST,spilled" (decimal sizes, digest as 16 hex digits). Short text rather
/// than a hash per pair: 100,000 objects cost one small string each, and redis-cli shows it.</summary>
internal static class LocationEntry
{
    public static string Encode(long dataSize, long metadataSize, ReadOnlySpan<byte> digest, bool spilled = false) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{dataSize},{metadataSize},{Convert.ToHexStringLower(digest)}{(spilled ? ",spilled" : "")}");

    public static bool TryDecode(string text, out long dataSize, out long metadataSize, out string digest, out bool spilled)
    {
        dataSize = metadataSize = 0;
        digest = "";
        spilled = false;
        string[] parts = text.Split(',');
        if (parts.Length < 3) return false;
        if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out dataSize)) return false;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out metadataSize)) return false;
        digest = parts[2];
        spilled = parts.Length > 3 && parts[3] == "spilled";
        return true;
    }
}
