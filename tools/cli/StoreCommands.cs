using System.Globalization;

namespace PlasmaSharp.Cli;

/// <summary>ls, stats, evict: commands about the whole store.</summary>
internal static class StoreCommands
{
    public static int List(Arguments a, PlasmaClient client, CliConsole console)
    {
        IReadOnlyList<ObjectInfo> objects = client.List();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        console.Out.WriteLine($"{"ID",-40}  {"DATA",12}  {"METADATA",8}  {"REFS",4}  {"STATE",-8}  AGE");
        foreach (ObjectInfo o in objects.OrderBy(o => o.CreateTime).ThenBy(o => o.Id.ToString()))
            console.Out.WriteLine($"{o.Id,-40}  {o.DataSize,12}  {o.MetadataSize,8}  {o.RefCount,4}  {(o.IsSealed ? "sealed" : "unsealed"),-8}  {Age(now - o.CreateTime)}");
        return ExitCodes.Ok;
    }

    public static int Stats(Arguments a, PlasmaClient client, CliConsole console)
    {
        long capacity = client.Capacity;
        IReadOnlyList<ObjectInfo> objects = client.List();
        long used = objects.Sum(o => o.DataSize + o.MetadataSize);
        int sealedCount = objects.Count(o => o.IsSealed);
        int referenced = objects.Count(o => o.RefCount > 0);
        console.Out.WriteLine($"socket      {client.SocketPath}");
        console.Out.WriteLine($"capacity    {capacity} bytes ({Human(capacity)})");
        console.Out.WriteLine($"used        {used} bytes ({Human(used)}, {(capacity > 0 ? 100.0 * used / capacity : 0):F1}%; object data + metadata)");
        console.Out.WriteLine($"free        {Math.Max(0, capacity - used)} bytes ({Human(Math.Max(0, capacity - used))})");
        console.Out.WriteLine($"objects     {objects.Count} ({sealedCount} sealed, {objects.Count - sealedCount} unsealed, {referenced} in use)");
        return ExitCodes.Ok;
    }

    public static int Evict(Arguments a, PlasmaClient client, CliConsole console)
    {
        long bytes = Arguments.ParseBytes(a.Positionals[0], "evict");
        long freed = client.Evict(bytes);
        console.Out.WriteLine($"evicted {freed} bytes ({Human(freed)}; asked for {bytes})");
        return ExitCodes.Ok;
    }

    internal static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero) age = TimeSpan.Zero;
        if (age.TotalSeconds < 60) return $"{(int)age.TotalSeconds}s";
        if (age.TotalMinutes < 60) return $"{(int)age.TotalMinutes}m{age.Seconds:00}s";
        if (age.TotalHours < 24) return $"{(int)age.TotalHours}h{age.Minutes:00}m";
        return $"{(int)age.TotalDays}d{age.Hours:00}h";
    }

    internal static string Human(long n) => n switch
    {
        >= 1L << 30 => (n / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (n / (double)(1L << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (n / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        _ => $"{n} B",
    };
}
