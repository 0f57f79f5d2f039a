using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>Collects what a PlasmaCluster's pulls log, so tests can assert retries and their causes.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");

    public int Count(string fragment) => _lines.Count(l => l.Contains(fragment, StringComparison.Ordinal));
}

/// <summary>Objects of known content for transfer tests.</summary>
public static class TestObjects
{
    /// <summary>Pseudo-random bytes from a seed (different seeds, different bytes).</summary>
    public static byte[] Bytes(long size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Puts <paramref name="data"/> into the store at <paramref name="socket"/>.</summary>
    public static void Put(string socket, ObjectId id, ReadOnlySpan<byte> data, ReadOnlySpan<byte> metadata)
    {
        using var client = PlasmaClient.Connect(socket);
        client.Put(id, data, metadata);
    }

    /// <summary>True when the store at <paramref name="socket"/> has the object, sealed or not.</summary>
    public static ObjectInfo? Find(string socket, ObjectId id)
    {
        using var client = PlasmaClient.Connect(socket);
        return client.List().FirstOrDefault(o => o.Id == id);
    }
}
