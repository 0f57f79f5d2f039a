using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>Serves this node's sealed objects to other nodes (Protos/object_transfer.proto): the
/// object is held (a Plasma Get) only while it streams, and each chunk wraps the mapped memory
/// without copying it (<see cref="UnsafeByteOperations.UnsafeWrap(ReadOnlyMemory{byte})"/>); gRPC
/// writes it to the connection before WriteAsync completes, so releasing the object afterwards is safe.
/// Only sealed objects are served (Get with timeout 0 never returns an unsealed one), so two nodes
/// can never copy each other's partial copies.</summary>
internal sealed class ObjectTransferService(PlasmaNodeAgent agent, ILogger<ObjectTransferService> logger) : ObjectTransfer.ObjectTransferBase
{
    public override async Task Fetch(FetchRequest request, IServerStreamWriter<ObjectChunk> responseStream, ServerCallContext context)
    {
        ObjectId id = TransferIds.Parse(request.ObjectId);
        LocalStore store = agent.TransferStore;
        PlasmaObject? found;
        try
        {
            found = store.Use(c => c.Get(id, TimeSpan.Zero));
        }
        catch (PlasmaException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"node {agent.NodeId}: the store is unreachable ({e.Message})"));
        }
        using PlasmaObject obj = found ?? throw new RpcException(new Status(StatusCode.NotFound, $"node {agent.NodeId} has no sealed object {id}"));
        byte[] digest = agent.Digests.TryGet(id, out byte[] known) ? known : store.Use(c => c.Hash(id)); // just sealed: not notified yet
        int chunkSize = agent.Transfer.ChunkSize;
        var header = new ObjectHeader
        {
            DataSize = obj.DataLength,
            Metadata = ByteString.CopyFrom(obj.Metadata.Span),
            Digest = ByteString.CopyFrom(digest),
            ChunkSize = chunkSize,
        };
        bool first = true;
        foreach (ReadOnlyMemory<byte> chunk in obj.GetDataChunks(chunkSize))
        {
            var message = new ObjectChunk { Data = UnsafeByteOperations.UnsafeWrap(chunk) };
            if (first) message.Header = header;
            first = false;
            await responseStream.WriteAsync(message, context.CancellationToken).ConfigureAwait(false);
        }
        if (first) await responseStream.WriteAsync(new ObjectChunk { Header = header }, context.CancellationToken).ConfigureAwait(false);
        logger.LogDebug("served {Id} ({Bytes} bytes) to {Peer}", id, obj.DataLength, context.Peer);
    }
}

/// <summary>Object ids in transfer messages: the 20 raw bytes.</summary>
internal static class TransferIds
{
    public static ByteString ToBytes(ObjectId id) => ByteString.CopyFrom(id.ToByteArray());

    /// <exception cref="RpcException">INVALID_ARGUMENT: not 20 bytes.</exception>
    public static ObjectId Parse(ByteString bytes)
    {
        if (bytes.Length != 20) throw new RpcException(new Status(StatusCode.InvalidArgument, $"an object id is 20 bytes, got {bytes.Length}"));
        return ObjectId.FromBytes(bytes.Span);
    }
}
