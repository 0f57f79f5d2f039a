using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PlasmaSharp.Cli;

/// <summary>ls, stats, evict: commands about the whole store.</summary>
internal static class StoreCommands
{
    public static int List(PlasmaClient client, CliConsole console)
    {
        IReadOnlyList<ObjectInfo> objects = client.List();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        console.Out.WriteLine($"{"ID",-40}  {"DATA",12}  {"METADATA",8}  {"REFS",4}  {"STATE",-8}  AGE");
        foreach (ObjectInfo o in objects.OrderBy(o => o.CreateTime).ThenBy(o => o.Id.ToString()))
            console.Out.WriteLine($"{o.Id,-40}  {o.DataSize,12}  {o.MetadataSize,8}  {o.RefCount,4}  {(o.IsSpilled ? "spilled" : o.IsSealed ? "sealed" : "unsealed"),-8}  {Age(now - o.CreateTime)}");
        return ExitCodes.Ok;
    }

    /// <summary>A table on a terminal; "name  value (detail)" lines otherwise, which scripts parse.</summary>
    public static int Stats(PlasmaClient client, CliConsole console)
    {
        PlasmaStoreStats stats = client.GetStoreStats();
        long sealedCount = stats.SealedObjects ?? 0, objects = stats.Objects ?? 0;
        (string Name, string Value, string Detail)[] rows =
        [
            ("socket", client.SocketPath, ""),
            ("capacity", $"{stats.Capacity} bytes", Human(stats.Capacity)),
            ("used", $"{stats.BytesUsed} bytes", $"{Human(stats.BytesUsed)}, {(100 * stats.FillRatio).ToString("F1", CultureInfo.InvariantCulture)}%; allocated to objects"),
            ("free", $"{stats.BytesFree} bytes", Human(stats.BytesFree)),
            ("objects", $"{objects}", $"{sealedCount} sealed, {objects - sealedCount} unsealed, {stats.ObjectsInUse ?? 0} in use"),
            ("evictions", stats.Evictions is { } evictions ? $"{evictions}" : "-", stats.Evictions is null ? "the store does not say" : "since the store started"),
            .. SpillRows(stats),
        ];
        if (console.Terminal is { } terminal)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("plasma store")
                .AddColumn("STAT").AddColumn(new TableColumn("VALUE").RightAligned()).AddColumn("DETAIL");
            // Text, not markup: a socket path may contain '[' .
            foreach (var (name, value, detail) in rows)
                table.AddRow(new IRenderable[] { new Text(name), new Text(value), new Text(detail) });
            terminal.Write(table);
            return ExitCodes.Ok;
        }
        foreach (var (name, value, detail) in rows)
            console.Out.WriteLine($"{name,-11} {value}{(detail.Length > 0 ? $" ({detail})" : "")}");
        return ExitCodes.Ok;
    }

    /// <summary>A store with <c>-e</c> says what it spilled; others add no rows.</summary>
    private static (string Name, string Value, string Detail)[] SpillRows(PlasmaStoreStats stats)
        => stats.SpilledObjects is not { } spilled ? [] :
        [
            ("spilled", $"{spilled}", $"{Human(stats.SpilledBytes ?? 0)} in the external store, not in memory"),
            ("restores", $"{stats.Restores ?? 0}", "spilled objects read back since the store started"),
        ];

    public static int Evict(long bytes, PlasmaClient client, CliConsole console)
    {
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
