using System.Diagnostics;

namespace PlasmaSharp.Cluster;

/// <summary>What the store connection tells the publisher, in order.</summary>
internal enum StoreEventKind
{
    /// <summary>An object was sealed.</summary>
    Sealed,
    /// <summary>An object was deleted or evicted.</summary>
    Deleted,
    /// <summary>The store connection is gone: everything this node published is no longer there.</summary>
    StoreLost,
    /// <summary>A (new) store connection is up: republish the store's whole list.</summary>
    StoreConnected,
}

/// <summary>One event; <see cref="Entry"/> is the encoded location entry of a seal (formatted on the
/// reader thread, off the publisher's path).</summary>
internal readonly record struct StoreEvent(StoreEventKind Kind, ObjectId Id, long Size, string Entry, long Timestamp)
{
    public static StoreEvent From(PlasmaNotification n) => n.IsDeletion
        ? new(StoreEventKind.Deleted, n.Id, 0, "", Stopwatch.GetTimestamp())
        : new(StoreEventKind.Sealed, n.Id, n.DataSize + n.MetadataSize,
              LocationEntry.Encode(n.DataSize, n.MetadataSize, n.Digest.Span), Stopwatch.GetTimestamp());
}
