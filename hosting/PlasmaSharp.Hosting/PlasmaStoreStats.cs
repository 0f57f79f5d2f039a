using System.Globalization;

namespace PlasmaSharp.Hosting;

/// <summary>A store's statistics as one client sees them: <see cref="PlasmaClient.Capacity"/>, the
/// object list and the counters of the store's debug string (the same text in this project's store
/// and in Arrow 11's <c>plasma-store-server</c>: "allocated bytes: N", "(global lru) num evictions: N").</summary>
/// <param name="Capacity">The store's capacity in bytes.</param>
/// <param name="BytesUsed">Bytes allocated to objects (sealed and unsealed).</param>
/// <param name="Objects">Objects in the store, or null when not counted.</param>
/// <param name="Evictions">Objects evicted since the store started, or null when the store does not say.</param>
public sealed record PlasmaStoreStats(long Capacity, long BytesUsed, int? Objects, long? Evictions)
{
    /// <summary>The fraction of the capacity in use (0..1).</summary>
    public double FillRatio => Capacity > 0 ? (double)BytesUsed / Capacity : 0;

    /// <summary>Reads the statistics through <paramref name="client"/>: two round trips, three when
    /// <paramref name="countObjects"/> (the object list grows with the number of objects).</summary>
    /// <exception cref="PlasmaProtocolException">The debug string has no "allocated bytes" line.</exception>
    public static PlasmaStoreStats Read(PlasmaClient client, bool countObjects = true)
    {
        ArgumentNullException.ThrowIfNull(client);
        long capacity = client.Capacity;
        string debug = client.GetDebugString();
        long used = FindCounter(debug, "allocated bytes")
            ?? throw new PlasmaProtocolException($"The store's debug string has no 'allocated bytes' line: {debug}");
        int? objects = countObjects ? client.List().Count : null;
        return new PlasmaStoreStats(capacity, used, objects, FindCounter(debug, "(global lru) num evictions"));
    }

    /// <summary>The number after "<paramref name="name"/>:" on a line of its own, or null.</summary>
    internal static long? FindCounter(string debugString, string name)
    {
        foreach (string line in debugString.Split('\n'))
        {
            string trimmed = line.Trim();
            if (!trimmed.StartsWith(name + ":", StringComparison.Ordinal)) continue;
            if (long.TryParse(trimmed.AsSpan(name.Length + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                return value;
        }
        return null;
    }
}
