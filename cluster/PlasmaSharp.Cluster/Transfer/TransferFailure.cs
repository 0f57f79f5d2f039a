namespace PlasmaSharp.Cluster.Transfer;

/// <summary>One attempt at copying an object from one holder failed in a way another holder may
/// not (holder gone, connection dropped, bad bytes): the puller aborts the local copy and retries.</summary>
internal sealed class TransferFailure(string message, Exception? inner = null) : Exception(message, inner);
