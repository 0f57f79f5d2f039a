using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace PlasmaSharp.Cli;

/// <summary>watch: prints the store's seal and delete notifications as they happen. Right after
/// subscribing, the store reports every object that is already sealed. On a terminal the
/// notifications fill a live table (the latest ones, with running totals); otherwise each is one
/// plain line, flushed at once, for scripts.</summary>
internal static class WatchCommand
{
    /// <summary>How many of the latest notifications the live table shows.</summary>
    private const int LiveRows = 20;

    public static int Run(int? limit, PlasmaClient client, CliConsole console, CancellationToken cancellationToken)
    {
        using PlasmaSubscription subscription = client.Subscribe();
        console.Error.WriteLine($"watching {client.SocketPath} (Ctrl+C to stop)");
        if (console.Terminal is { } terminal)
        {
            var shown = new Queue<(string Time, PlasmaNotification Notification)>();
            int sealedCount = 0, deletedCount = 0;
            int exit = ExitCodes.Ok;
            terminal.Live(LiveTable(client.SocketPath, shown, 0, 0)).Start(context =>
            {
                exit = Loop(subscription, limit, console, cancellationToken, (time, n) =>
                {
                    if (n.IsDeletion) deletedCount++;
                    else sealedCount++;
                    shown.Enqueue((time, n));
                    if (shown.Count > LiveRows) shown.Dequeue();
                    context.UpdateTarget(LiveTable(client.SocketPath, shown, sealedCount, deletedCount));
                });
            });
            return exit;
        }
        return Loop(subscription, limit, console, cancellationToken, (time, n) =>
        {
            console.Out.WriteLine(n.IsDeletion
                ? $"{time}  deleted  {n.Id}"
                : $"{time}  sealed   {n.Id}  data={n.DataSize} metadata={n.MetadataSize}");
            console.Out.Flush();
        });
    }

    /// <summary>Reads notifications until <paramref name="limit"/>, cancellation or the store going away.</summary>
    private static int Loop(PlasmaSubscription subscription, int? limit, CliConsole console, CancellationToken cancellationToken,
                            Action<string, PlasmaNotification> show)
    {
        int seen = 0;
        while (limit is null || seen < limit)
        {
            if (cancellationToken.IsCancellationRequested) return ExitCodes.Ok;
            PlasmaNotification? n;
            try
            {
                // Short waits so Ctrl+C is noticed promptly.
                n = subscription.TryRead(TimeSpan.FromMilliseconds(200));
            }
            catch (PlasmaConnectionException)
            {
                console.Error.WriteLine("plasmasharp: the store closed the connection");
                return ExitCodes.StoreUnreachable;
            }
            if (n is null) continue;
            seen++;
            show(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), n);
        }
        return ExitCodes.Ok;
    }

    private static Table LiveTable(string socket, IEnumerable<(string Time, PlasmaNotification Notification)> rows, int sealedCount, int deletedCount)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(new TableTitle($"watching {Markup.Escape(socket)}: {sealedCount} sealed, {deletedCount} deleted (Ctrl+C to stop)"))
            // Time of day (UTC) only: the date would push the table past an 80-column terminal.
            .AddColumn(new TableColumn("TIME").NoWrap()).AddColumn("EVENT").AddColumn(new TableColumn("ID").NoWrap())
            .AddColumn(new TableColumn("DATA").RightAligned()).AddColumn(new TableColumn("METADATA").RightAligned());
        foreach (var (time, n) in rows)
            table.AddRow(new IRenderable[]
            {
                new Text(time[11..^1]), new Text(n.IsDeletion ? "deleted" : "sealed"), new Text(n.Id.ToString()),
                new Text(n.IsDeletion ? "" : n.DataSize.ToString(CultureInfo.InvariantCulture)),
                new Text(n.IsDeletion ? "" : n.MetadataSize.ToString(CultureInfo.InvariantCulture)),
            });
        return table;
    }
}
