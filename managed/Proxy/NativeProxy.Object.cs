using PlasmaSharp.Interop;

namespace PlasmaSharp;

// ---- objects (one local reference each) ----
internal static unsafe partial class NativeProxy
{
    internal static ps_object_view ps_object_get_view(ObjectHandle obj)
    {
        using var lease = new HandleLease(obj);
        ps_object_view view;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_object_get_view(obj.Pointer, &view, &error), error);
        return view;
    }

    /// <summary>Seals; from then on releasing the handle no longer aborts the object.</summary>
    internal static void ps_object_seal(ObjectHandle obj, ObjectId id)
    {
        using var lease = new HandleLease(obj);
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_object_seal(obj.Pointer, &error), error, id);
        obj.ClearAbortOnRelease();
    }

    /// <summary>Copies, hashes and seals in one pass; as <see cref="ps_object_seal"/> afterwards.</summary>
    internal static void ps_object_write_and_seal(ObjectHandle obj, ObjectId id, ReadOnlySpan<byte> source)
    {
        using var lease = new HandleLease(obj);
        ps_error* error = null;
        int code;
        fixed (byte* s = source) code = NativeMethods.ps_object_write_and_seal(obj.Pointer, s, source.Length, &error);
        NativeStatus.Check(code, error, id);
        obj.ClearAbortOnRelease();
    }

    /// <summary>Seals with a digest fed with exactly the object's data (<see cref="ps_digest_update"/>);
    /// as <see cref="ps_object_seal"/> afterwards.</summary>
    internal static void ps_object_seal_digested(ObjectHandle obj, ObjectId id, DigestHandle digest)
    {
        using var objectLease = new HandleLease(obj);
        using var digestLease = new HandleLease(digest);
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_object_seal_digested(obj.Pointer, digest.Pointer, &error), error, id);
        obj.ClearAbortOnRelease();
    }

    /// <summary>A digest of an object of <paramref name="dataSize"/> bytes, to be fed front to back.</summary>
    internal static DigestHandle ps_digest_start(long dataSize)
    {
        ps_digest* digest = null;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_digest_start(dataSize, &digest, &error), error);
        return new DigestHandle(digest);
    }

    /// <summary>Feeds the next <paramref name="size"/> bytes of the data (from mapped memory: any length).</summary>
    internal static void ps_digest_update(DigestHandle digest, byte* bytes, long size)
    {
        using var lease = new HandleLease(digest);
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_digest_update(digest.Pointer, bytes, size, &error), error);
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (the object's data at
    /// the bytes fed so far) and feeds it, the digest chunks it covers whole on several threads.</summary>
    internal static void ps_digest_copy(DigestHandle digest, byte* destination, ReadOnlySpan<byte> source)
    {
        using var lease = new HandleLease(digest);
        ps_error* error = null;
        int code;
        fixed (byte* s = source) code = NativeMethods.ps_digest_copy(digest.Pointer, destination, s, source.Length, &error);
        NativeStatus.Check(code, error);
    }

    /// <summary>The digest of all the fed data followed by <paramref name="metadata"/> (what the store
    /// reports once the object is sealed); the digest stays usable for <see cref="ps_object_seal_digested"/>.</summary>
    internal static byte[] ps_digest_value(DigestHandle digest, ReadOnlySpan<byte> metadata)
    {
        using var lease = new HandleLease(digest);
        var value = new byte[NativeConstants.PS_DIGEST_SIZE];
        ps_error* error = null;
        int code;
        fixed (byte* m = metadata)
        fixed (byte* v = value)
            code = NativeMethods.ps_digest_value(digest.Pointer, m, metadata.Length, v, &error);
        NativeStatus.Check(code, error);
        return value;
    }

    /// <summary>Aborts the unsealed object; the handle still holds (and must release) its reference.</summary>
    internal static void ps_object_abort(ObjectHandle obj, ObjectId id)
    {
        using var lease = new HandleLease(obj);
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_object_abort(obj.Pointer, &error), error, id);
        obj.ClearAbortOnRelease();
    }
}
