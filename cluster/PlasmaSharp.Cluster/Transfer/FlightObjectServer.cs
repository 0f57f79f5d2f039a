using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Flight.Server;
using Apache.Arrow.Ipc;
using Grpc.Core;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>Arrow Flight over this node's objects in the Ray-like convention (metadata "RAW", data an
/// Arrow IPC stream): DoGet with a ticket naming an object id (20 bytes, or its 40 hex digits)
/// streams the object's record batches, so any Flight client (pyarrow.flight, C#, Java) reads a
/// table. The batches are read in place from the mapped object (no copy) while it is held.</summary>
internal sealed class FlightObjectServer(PlasmaNodeAgent agent) : FlightServer
{
    private static readonly byte[] RawMetadata = "RAW"u8.ToArray();

    public override async Task DoGet(FlightTicket ticket, FlightServerRecordBatchStreamWriter responseStream, ServerCallContext context)
    {
        ObjectId id = ParseTicket(ticket);
        PlasmaObject? found;
        try
        {
            found = agent.TransferStore.Use(c => c.Get(id, TimeSpan.Zero));
        }
        catch (PlasmaException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"node {agent.NodeId}: the store is unreachable ({e.Message})"));
        }
        using PlasmaObject obj = found ?? throw new RpcException(new Status(StatusCode.NotFound, $"node {agent.NodeId} has no sealed object {id}"));
        if (!obj.Metadata.Span.SequenceEqual(RawMetadata))
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"object {id} is not an Arrow table (its metadata is not RAW); fetch it as bytes instead"));
        if (obj.DataLength > int.MaxValue)
            throw new RpcException(new Status(StatusCode.Unimplemented, $"object {id} is {obj.DataLength} bytes: Flight serves RAW tables below 2 GiB"));
        using var reader = new ArrowStreamReader(obj.Data);
        try
        {
            while (await reader.ReadNextRecordBatchAsync(context.CancellationToken).ConfigureAwait(false) is { } batch)
                using (batch)
                    await responseStream.WriteAsync(batch).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"object {id} is marked RAW but is not a valid Arrow IPC stream: {e.Message}"));
        }
    }

    private static ObjectId ParseTicket(FlightTicket ticket)
    {
        ReadOnlySpan<byte> bytes = ticket.Ticket.Span;
        if (bytes.Length == ObjectId.Size) return ObjectId.FromBytes(bytes);
        if (bytes.Length == 2 * ObjectId.Size && ObjectId.TryParse(System.Text.Encoding.ASCII.GetString(bytes), out ObjectId id)) return id;
        throw new RpcException(new Status(StatusCode.InvalidArgument, "a ticket is an object id: 20 bytes or 40 hex digits"));
    }
}
