using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PlasmaSharp.Cluster;

/// <summary>Hosting a node in any .NET generic host: <c>services.AddPlasmaNode(options)</c>, and on a
/// web host <c>app.MapPlasmaNodeEndpoints()</c> for /healthz, /metrics and the object service
/// (gRPC over HTTP/2: Protos/object_transfer.proto, and Arrow Flight for RAW tables).</summary>
public static class PlasmaNodeServiceCollectionExtensions
{
    /// <summary>Adds the node agent (a hosted service) and the Prometheus text source.</summary>
    public static IServiceCollection AddPlasmaNode(this IServiceCollection services, PlasmaNodeOptions options)
    {
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<PlasmaNodeAgent>();
        services.AddHostedService(sp => sp.GetRequiredService<PlasmaNodeAgent>());
        // Listening from the start: counters and histograms only see what happens after this.
        services.AddSingleton(new PrometheusText());
        services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = Transfer.ObjectTransferOptionsLimits.MaxMessage;
            o.MaxSendMessageSize = Transfer.ObjectTransferOptionsLimits.MaxMessage;
        }).AddFlightServer<Transfer.FlightObjectServer>();
        return services;
    }

    /// <summary>GET /healthz: 200 when the store and Redis are both reachable, else 503; a JSON body says
    /// which. GET /metrics: the PlasmaSharp meter in the Prometheus text format.</summary>
    public static IEndpointRouteBuilder MapPlasmaNodeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", async (PlasmaNodeAgent agent) =>
        {
            bool store = agent.IsStoreReachable, redis = await agent.PingRedisAsync().ConfigureAwait(false);
            string body = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["node"] = agent.NodeId,
                ["store"] = store ? "ok" : "unreachable",
                ["redis"] = redis ? "ok" : "unreachable",
            });
            return Results.Text(body, "application/json", statusCode: store && redis ? 200 : 503);
        });
        endpoints.MapGet("/metrics", (PrometheusText metrics) =>
            Results.Text(metrics.Scrape(), "text/plain; version=0.0.4; charset=utf-8"));
        endpoints.MapGrpcService<Transfer.ObjectTransferService>();
        endpoints.MapFlightEndpoint();
        return endpoints;
    }
}

/// <summary>A whole node process: the agent on a slim web host that listens only on the given address.</summary>
public static class PlasmaNodeHost
{
    /// <summary>Builds (does not start) the host.</summary>
    /// <param name="options">The node's options.</param>
    /// <param name="listen">Where /healthz and /metrics listen: an IP address (or localhost) with an
    /// optional port; port 0 or none = a free port, logged and registered as the node's address.</param>
    public static WebApplication Build(PlasmaNodeOptions options, string listen)
    {
        IPEndPoint endpoint = ParseListen(listen);
        var transfer = new TransferEndpoint(options.TlsCertificateFile is not null);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Two ports: Kestrel speaks HTTP/2 without TLS only to an endpoint that speaks nothing else,
            // and /healthz and /metrics must stay reachable over HTTP/1.1 (curl, Prometheus).
            k.Listen(endpoint);
            k.Listen(new IPEndPoint(endpoint.Address, options.TransferPort), objects =>
            {
                objects.Protocols = HttpProtocols.Http2;
                if (options.TlsCertificateFile is { } certificate) objects.UseHttps(LoadCertificate(certificate, options.TlsKeyFile));
                transfer.Listen = objects;
            });
        });
        builder.Services.AddSingleton(transfer);
        builder.Services.AddPlasmaNode(options);
        WebApplication app = builder.Build();
        if (options.Transfer.Token is { } token) app.Use(next => Transfer.BearerToken.Require(token, next));
        app.MapPlasmaNodeEndpoints();
        return app;
    }

    private static X509Certificate2 LoadCertificate(string certificate, string? key)
    {
        try
        {
            return key is null ? X509CertificateLoader.LoadPkcs12FromFile(certificate, null) : X509Certificate2.CreateFromPemFile(certificate, key);
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot load the TLS certificate {certificate}: {e.Message}", e);
        }
    }

    /// <summary>"127.0.0.1", "127.0.0.1:7450", "[::1]:7450", "localhost:7450".</summary>
    /// <exception cref="ArgumentException">Not an IP address with an optional port.</exception>
    public static IPEndPoint ParseListen(string listen)
    {
        string text = listen.Trim();
        if (text.StartsWith("localhost", StringComparison.OrdinalIgnoreCase)) text = "127.0.0.1" + text["localhost".Length..];
        if (IPAddress.TryParse(text, out IPAddress? bare)) return new IPEndPoint(bare, 0);
        if (IPEndPoint.TryParse(text, out IPEndPoint? withPort)) return withPort;
        throw new ArgumentException($"--listen: '{listen}' is not an IP address with an optional port (e.g. 127.0.0.1 or 127.0.0.1:7450)");
    }
}

/// <summary>The object service's Kestrel endpoint; Kestrel fills in the bound port (a free one when
/// none was given) when the host starts, and the agent registers the address then.</summary>
internal sealed class TransferEndpoint(bool tls)
{
    public ListenOptions? Listen { get; set; }

    /// <summary>http(s)://IP:PORT once bound; null before.</summary>
    public string? Address => Listen?.IPEndPoint is { Port: > 0 } bound
        ? $"{(tls ? "https" : "http")}://{(bound.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bound.Address}]" : bound.Address.ToString())}:{bound.Port}"
        : null;
}
