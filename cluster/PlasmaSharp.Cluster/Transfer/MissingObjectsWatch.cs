using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>The node side of transparent Gets: a connection of its own to this node's store (ours,
/// not Arrow's: the real store does not know the message) that sends the store extension
/// WatchMissingRequest and then reads MissingObjectsNotice frames — the ids a local Get waits for
/// and the store does not have, with that Get's timeout. Spoken directly on the socket because it
/// is no Plasma client request: native/protocol/wire.h defines the two message types (mirrored here).</summary>
internal sealed class MissingObjectsWatch : IDisposable
{
    /// <summary>native/protocol/wire.h kWatchMissingRequest.</summary>
    public const long WatchMissingRequest = 0x50530001;

    /// <summary>native/protocol/wire.h kMissingObjectsNotice.</summary>
    public const long MissingObjectsNotice = 0x50530002;

    private const int HeaderSize = 24;
    private readonly Socket _socket;
    private readonly Thread _reader;
    private readonly Action<IReadOnlyList<ObjectId>, TimeSpan> _onMissing;
    private readonly ILogger _logger;
    private volatile bool _stopping;

    private MissingObjectsWatch(Socket socket, Action<IReadOnlyList<ObjectId>, TimeSpan> onMissing, ILogger logger)
    {
        _socket = socket;
        _onMissing = onMissing;
        _logger = logger;
        _reader = new Thread(Read) { IsBackground = true, Name = "plasma-node missing objects" };
    }

    /// <summary>Connects, asks for notices and starts reading them; <paramref name="onMissing"/> runs on
    /// the reader thread (it must not block) with the ids and the waiting Get's timeout (infinite for -1).</summary>
    /// <exception cref="SocketException">The store is not reachable.</exception>
    public static MissingObjectsWatch Start(string storeSocket, Action<IReadOnlyList<ObjectId>, TimeSpan> onMissing, ILogger logger)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(storeSocket));
            Span<byte> header = stackalloc byte[HeaderSize];
            BinaryPrimitives.WriteInt64LittleEndian(header, 0);
            BinaryPrimitives.WriteInt64LittleEndian(header[8..], WatchMissingRequest);
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], 0);
            socket.Send(header);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var watch = new MissingObjectsWatch(socket, onMissing, logger);
        watch._reader.Start();
        return watch;
    }

    private void Read()
    {
        var header = new byte[HeaderSize];
        try
        {
            while (!_stopping)
            {
                if (!ReadExactly(header)) break;
                long type = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8));
                long length = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
                if (type != MissingObjectsNotice || length < 8 || (length - 8) % ObjectId.Size != 0 || length > 1 << 26)
                {
                    _logger.LogError("the store sent an unexpected frame (type {Type}, {Length} bytes) on the missing-objects watch; stopped", type, length);
                    break;
                }
                var payload = new byte[length];
                if (!ReadExactly(payload)) break;
                long timeoutMs = BinaryPrimitives.ReadInt64LittleEndian(payload);
                var ids = new List<ObjectId>((payload.Length - 8) / ObjectId.Size);
                for (int at = 8; at < payload.Length; at += ObjectId.Size) ids.Add(ObjectId.FromBytes(payload.AsSpan(at, ObjectId.Size)));
                _onMissing(ids, timeoutMs < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(timeoutMs));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (!_stopping) _logger.LogWarning("the missing-objects watch on the store ended: {Message}", e.Message);
        }
    }

    private bool ReadExactly(byte[] buffer)
    {
        for (int at = 0; at < buffer.Length;)
        {
            int n = _socket.Receive(buffer, at, buffer.Length - at, SocketFlags.None);
            if (n == 0) return false;
            at += n;
        }
        return true;
    }

    public void Dispose()
    {
        _stopping = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException) { }
        _socket.Dispose();
        if (_reader.IsAlive && Thread.CurrentThread != _reader) _reader.Join(TimeSpan.FromSeconds(2));
    }
}
