using System.Globalization;

namespace PlasmaSharp.Cli;

/// <summary>watch: prints the store's seal and delete notifications as they happen. Right after
/// subscribing, the store reports every object that is already sealed.</summary>
internal static class WatchCommand
{
    public static int Run(Arguments a, PlasmaClient client, CliConsole console, CancellationToken cancellationToken)
    {
        int? limit = a.Option("--count") is { } c ? int.Parse(c, CultureInfo.InvariantCulture) : null;
        using PlasmaSubscription subscription = client.Subscribe();
        console.Error.WriteLine($"watching {client.SocketPath} (Ctrl+C to stop)");
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
            string time = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            console.Out.WriteLine(n.IsDeletion
                ? $"{time}  deleted  {n.Id}"
                : $"{time}  sealed   {n.Id}  data={n.DataSize} metadata={n.MetadataSize}");
            console.Out.Flush();
        }
        return ExitCodes.Ok;
    }
}
