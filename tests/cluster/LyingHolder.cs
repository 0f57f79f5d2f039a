using System.Globalization;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PlasmaSharp.Cluster.Transfer;
using StackExchange.Redis;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>A real gRPC server in the test process that registers in Redis as a node holding one
/// object and serves it with one byte flipped (and the true digest): what a faulty disk or NIC on a
/// holder would send.</summary>
public sealed class LyingHolder : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConnectionMultiplexer _redis;
    private int _fetches;

    private LyingHolder(WebApplication app, ConnectionMultiplexer redis)
    {
        _app = app;
        _redis = redis;
    }

    /// <summary>How many Fetch calls it answered.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    public static async Task<LyingHolder> StartAsync(string redisConnection, string nodeId, ObjectId id, byte[] data, Action onFetch)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        byte[] trueDigest = await StoreDigestAsync(data);
        LyingHolder? self = null;
        builder.Services.AddSingleton(new LyingService.State(id, data, trueDigest, () =>
        {
            Interlocked.Increment(ref self!._fetches);
            onFetch();
        }));
        WebApplication app = builder.Build();
        app.MapGrpcService<LyingService>();
        await app.StartAsync();
        string address = app.Urls.First();

        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
        self = new LyingHolder(app, redis);
        IDatabase db = redis.GetDatabase();
        string node = ClusterKeys.Node(nodeId).ToString();
        await db.HashSetAsync(node, [new("address", ""), new("transfer", address), new("heartbeat", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())]);
        await db.KeyExpireAsync(node, TimeSpan.FromMinutes(5));
        await db.SetAddAsync(ClusterKeys.Nodes, nodeId);
        await db.HashSetAsync(ClusterKeys.Object(id), nodeId,
            string.Create(CultureInfo.InvariantCulture, $"{data.Length},0,{Convert.ToHexStringLower(trueDigest)}"));
        return self;
    }

    /// <summary>The digest a store gives <paramref name="data"/> (no metadata): put into a scratch store
    /// of its own, so the digest the liar announces does not come from the puller's code under test.</summary>
    private static async Task<byte[]> StoreDigestAsync(byte[] data)
    {
        await using PlasmaStore scratch = await PlasmaStore.StartAsync(data.Length + (4L << 20));
        using var client = PlasmaClient.Connect(scratch.SocketPath);
        var id = ObjectId.NewRandom();
        client.Put(id, data);
        return client.Hash(id);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private sealed class LyingService(LyingService.State state) : ObjectTransfer.ObjectTransferBase
    {
        public sealed record State(ObjectId Id, byte[] Data, byte[] Digest, Action OnFetch);

        public override async Task Fetch(FetchRequest request, IServerStreamWriter<ObjectChunk> responseStream, ServerCallContext context)
        {
            state.OnFetch();
            byte[] bad = (byte[])state.Data.Clone();
            bad[bad.Length / 2] ^= 0x01;
            const int chunk = 1 << 20;
            for (int offset = 0; offset < bad.Length; offset += chunk)
            {
                var message = new ObjectChunk { Data = ByteString.CopyFrom(bad, offset, Math.Min(chunk, bad.Length - offset)) };
                if (offset == 0)
                    message.Header = new ObjectHeader { DataSize = bad.Length, Digest = ByteString.CopyFrom(state.Digest), ChunkSize = chunk };
                await responseStream.WriteAsync(message);
            }
        }
    }
}
