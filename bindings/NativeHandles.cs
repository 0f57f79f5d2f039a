// One SafeHandle per native handle type; each frees with its own C function. Calls into the
// library borrow the pointer through HandleLease, so a concurrent Dispose can never free a
// handle while a native call is using it (the free runs when the last lease ends).
using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

/// <summary>Base for the handles below: zero is invalid; the pointer is read through a lease.</summary>
internal abstract class NativeHandle : SafeHandle
{
    protected NativeHandle(nint pointer) : base(0, ownsHandle: true) => SetHandle(pointer);

    private int _disposeRequested;

    public override bool IsInvalid => handle == 0;

    /// <summary>True once Dispose was called (or the finalizer ran), even while leases or pins
    /// still delay the native free. SafeHandle.IsClosed only turns true when the free happened,
    /// and DangerousAddRef still succeeds until then: "disposed" checks must use this flag.</summary>
    internal bool IsDisposeRequested => Volatile.Read(ref _disposeRequested) != 0;

    /// <summary>Where the owning public instance was created; set only when leak tracking is on.
    /// Reported when this handle is finalized instead of disposed.</summary>
    internal ILeakReporter? Leak { get; set; }

    /// <summary>Throws ObjectDisposedException (naming <paramref name="owner"/>) once Dispose was requested.</summary>
    internal void ThrowIfDisposed(object owner) => ObjectDisposedException.ThrowIf(IsDisposeRequested, owner);

    protected override void Dispose(bool disposing)
    {
        Volatile.Write(ref _disposeRequested, 1);
        if (!disposing)
        {
            // Finalized, not disposed: the user forgot it. Report where it came from (debug option).
            if (Leak is { } leak)
            {
                try
                {
                    leak.ReportLeak();
                }
                catch
                {
                    // Reporting must never stop the release below (nor escape the finalizer).
                }
            }
            // Called by the finalizer. Freeing may wait for the client's connection lock (held while
            // another thread's Get waits for the store), and the finalizer thread is shared by the
            // whole process: free on the thread pool instead.
            ThreadPool.UnsafeQueueUserWorkItem(static h => h.DisposeFromFinalizer(), this, preferLocal: false);
            return;
        }
        base.Dispose(disposing);
    }

    private void DisposeFromFinalizer() => base.Dispose(false);

    /// <summary>The raw pointer; only valid while a lease (or the caller's own AddRef) holds it.</summary>
    internal nint RawPointer => handle;
}

/// <summary>What a handle reports when it is finalized instead of disposed (the public layer's
/// leak tracking implements it; this layer only calls it).</summary>
internal interface ILeakReporter
{
    void ReportLeak();
}

/// <summary>Keeps a handle alive for the duration of one native call (DangerousAddRef/Release).
/// Throws ObjectDisposedException when the handle was already disposed.</summary>
internal ref struct HandleLease
{
    private SafeHandle? _handle;

    public HandleLease(SafeHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        _handle = handle;
    }

    public void Dispose()
    {
        _handle?.DangerousRelease();
        _handle = null;
    }
}

/// <summary>Owns a <c>ps_client*</c>; frees it with ps_client_free.</summary>
internal sealed unsafe class ClientHandle : NativeHandle
{
    public ClientHandle(ps_client* pointer) : base((nint)pointer) { }
    internal ps_client* Pointer => (ps_client*)handle;
    protected override bool ReleaseHandle()
    {
        NativeMethods.ps_client_free((ps_client*)handle);
        return true;
    }
}

/// <summary>Owns one local object reference (<c>ps_object*</c>); releases it with ps_object_release.
/// A writable object that was neither sealed nor aborted is aborted first, so a forgotten
/// (finalized) Create does not leave an unsealed object in the store.</summary>
internal sealed unsafe class ObjectHandle : NativeHandle
{
    private int _abortOnRelease;

    public ObjectHandle(ps_object* pointer, bool abortOnRelease = false) : base((nint)pointer)
        => _abortOnRelease = abortOnRelease ? 1 : 0;

    internal ps_object* Pointer => (ps_object*)handle;

    /// <summary>Set once the object was sealed or explicitly aborted.</summary>
    internal void ClearAbortOnRelease() => Volatile.Write(ref _abortOnRelease, 0);

    protected override bool ReleaseHandle()
    {
        var obj = (ps_object*)handle;
        if (Volatile.Read(ref _abortOnRelease) != 0)
        {
            // Best effort: fails with PS_OBJECT_IN_USE if another local reference exists, in which
            // case the store drops the unsealed object when this client disconnects.
            NativeMethods.ps_object_abort(obj, null);
        }
        NativeMethods.ps_object_release(obj, null);
        return true;
    }
}

/// <summary>Owns a <c>ps_subscription*</c>; frees it with ps_subscription_free.</summary>
internal sealed unsafe class SubscriptionHandle : NativeHandle
{
    public SubscriptionHandle(ps_subscription* pointer) : base((nint)pointer) { }
    internal ps_subscription* Pointer => (ps_subscription*)handle;
    protected override bool ReleaseHandle()
    {
        NativeMethods.ps_subscription_free((ps_subscription*)handle);
        return true;
    }
}

/// <summary>Owns a <c>ps_missing_watch*</c>; frees it with ps_missing_watch_free.</summary>
internal sealed unsafe class MissingWatchHandle : NativeHandle
{
    public MissingWatchHandle(ps_missing_watch* pointer) : base((nint)pointer) { }
    internal ps_missing_watch* Pointer => (ps_missing_watch*)handle;
    protected override bool ReleaseHandle()
    {
        NativeMethods.ps_missing_watch_free((ps_missing_watch*)handle);
        return true;
    }
}

/// <summary>Owns a <c>ps_object_list*</c>; frees it with ps_object_list_free.</summary>
internal sealed unsafe class ObjectListHandle : NativeHandle
{
    public ObjectListHandle(ps_object_list* pointer) : base((nint)pointer) { }
    internal ps_object_list* Pointer => (ps_object_list*)handle;
    protected override bool ReleaseHandle()
    {
        NativeMethods.ps_object_list_free((ps_object_list*)handle);
        return true;
    }
}

/// <summary>Owns a <c>ps_store*</c> (an in-process store); stops it with ps_store_stop.</summary>
internal sealed unsafe class StoreHandle : NativeHandle
{
    public StoreHandle(ps_store* pointer) : base((nint)pointer) { }
    internal ps_store* Pointer => (ps_store*)handle;
    protected override bool ReleaseHandle()
    {
        NativeMethods.ps_store_stop((ps_store*)handle);
        return true;
    }
}

/// <summary>Owns a <c>ps_digest*</c> (a digest fed front to back); frees it with ps_digest_free.</summary>
internal sealed unsafe class DigestHandle : NativeHandle
{
    public DigestHandle(ps_digest* pointer) : base((nint)pointer) { }
    internal ps_digest* Pointer => (ps_digest*)handle;
    protected override bool ReleaseHandle()
    {
        NativeMethods.ps_digest_free((ps_digest*)handle);
        return true;
    }
}
