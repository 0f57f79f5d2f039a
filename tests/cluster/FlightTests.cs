using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Flight.Client;
using Apache.Arrow.Ipc;
using Grpc.Core;
using Grpc.Net.Client;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>A Flight client (as pyarrow.flight would) reads a RAW Arrow object of a node as a table.</summary>
[Collection(ClusterSuite.Name)]
public sealed class FlightTests : ClusterTestBase
{
    [Fact]
    public async Task A_flight_client_reads_a_raw_arrow_object_as_record_batches()
    {
        NodeProcess[] nodes = await StartNodesAsync("a");
        var schema = new Schema.Builder().Field(f => f.Name("x").DataType(Apache.Arrow.Types.Int64Type.Default)).Build();
        var stream = new MemoryStream();
        using (var writer = new ArrowStreamWriter(stream, schema))
        {
            for (int b = 0; b < 3; b++)
            {
                var values = new Int64Array.Builder().AppendRange(Enumerable.Range(b * 1000, 1000).Select(i => (long)i)).Build();
                await writer.WriteRecordBatchAsync(new RecordBatch(schema, [values], values.Length));
            }
            await writer.WriteEndAsync();
        }
        var id = ObjectId.NewRandom();
        TestObjects.Put(nodes[0].StoreSocket!, id, stream.ToArray(), "RAW"u8);
        var other = ObjectId.NewRandom();
        TestObjects.Put(nodes[0].StoreSocket!, other, new byte[10], "bin"u8);

        string address = (await Cluster.NodesAsync()).Single().TransferAddress;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new FlightClient(channel);
        long rows = 0, sum = 0;
        using (var call = client.GetStream(new FlightTicket(Google.Protobuf.ByteString.CopyFrom(id.ToByteArray()))))
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                RecordBatch batch = call.ResponseStream.Current;
                Assert.Equal("x", batch.Schema.GetFieldByIndex(0).Name);
                rows += batch.Length;
                foreach (long? v in (Int64Array)batch.Column(0)) sum += v!.Value;
            }
        }
        Assert.Equal(3000, rows);
        Assert.Equal(Enumerable.Range(0, 3000).Sum(i => (long)i), sum);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = client.GetStream(new FlightTicket(other.ToString()));
            while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}
