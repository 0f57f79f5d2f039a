using System.Runtime.InteropServices;
using PlasmaSharp.Interop;

namespace PlasmaSharp;

// ---- client: connection, store-wide calls, per-object requests ----
internal static unsafe partial class NativeProxy
{
    internal static ClientHandle ps_client_connect(string socketPath, int attempts, long retryDelayMs)
    {
        ps_client* client = null;
        ps_error* error = null;
        int code;
        fixed (byte* p = CString(socketPath)) code = NativeMethods.ps_client_connect(p, attempts, retryDelayMs, &client, &error);
        NativeStatus.Check(code, error, $"socket {socketPath}", connecting: true);
        return new ClientHandle(client);
    }

    internal static void ps_client_set_options(ClientHandle client, string clientName, long outputMemoryQuota)
    {
        using var lease = new HandleLease(client);
        ps_error* error = null;
        int code;
        fixed (byte* n = CString(clientName)) code = NativeMethods.ps_client_set_options(client.Pointer, n, outputMemoryQuota, &error);
        NativeStatus.Check(code, error, "SetOptions");
    }

    internal static void ps_client_disconnect(ClientHandle client)
    {
        using var lease = new HandleLease(client);
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_disconnect(client.Pointer, &error), error);
    }

    internal static long ps_client_store_capacity(ClientHandle client)
    {
        using var lease = new HandleLease(client);
        long capacity;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_store_capacity(client.Pointer, &capacity, &error), error);
        return capacity;
    }

    internal static string ps_client_debug_string(ClientHandle client)
    {
        using var lease = new HandleLease(client);
        byte* text = null;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_debug_string(client.Pointer, &text, &error), error);
        try
        {
            return Marshal.PtrToStringUTF8((nint)text) ?? "";
        }
        finally
        {
            NativeMethods.ps_string_free(text);
        }
    }

    /// <summary>ps_client_list, then every entry of the snapshot (ps_object_list_count/get); the list is freed.</summary>
    internal static ObjectInfo[] ps_client_list(ClientHandle client)
    {
        ps_object_list* raw = null;
        using (var lease = new HandleLease(client))
        {
            ps_error* error = null;
            NativeStatus.Check(NativeMethods.ps_client_list(client.Pointer, &raw, &error), error);
        }
        using var list = new ObjectListHandle(raw);
        long count = NativeMethods.ps_object_list_count(raw);
        var result = new ObjectInfo[count];
        for (long i = 0; i < count; i++)
        {
            ps_object_info info;
            ps_error* error = null;
            NativeStatus.Check(NativeMethods.ps_object_list_get(raw, i, &info, &error), error);
            result[i] = NativeConversions.ToObjectInfo(info);
        }
        return result;
    }

    internal static PlasmaStoreStats ps_client_store_stats(ClientHandle client, bool countObjects)
    {
        using var lease = new HandleLease(client);
        ps_store_stats stats;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_store_stats(client.Pointer, Flag(countObjects), &stats, &error), error);
        return NativeConversions.ToStoreStats(stats);
    }

    internal static long ps_client_evict(ClientHandle client, long bytes)
    {
        using var lease = new HandleLease(client);
        long freed = 0;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_evict(client.Pointer, bytes, &freed, &error), error);
        return freed;
    }

    /// <summary>The new unsealed object, one local reference; aborted when released unsealed.</summary>
    internal static ObjectHandle ps_client_create(ClientHandle client, ObjectId id, long dataSize,
                                                  ReadOnlySpan<byte> metadata, bool evictIfFull)
    {
        ps_object* created = null;
        using (var lease = new HandleLease(client))
        {
            ps_error* error = null;
            int code;
            fixed (byte* m = metadata)
                code = NativeMethods.ps_client_create(client.Pointer, (byte*)&id, dataSize, m, metadata.Length,
                                                      Flag(evictIfFull), &created, &error);
            NativeStatus.Check(code, error, id);
        }
        return new ObjectHandle(created, abortOnRelease: true);
    }

    internal static void ps_client_create_and_seal(ClientHandle client, ObjectId id, ReadOnlySpan<byte> data,
                                                   ReadOnlySpan<byte> metadata, bool evictIfFull)
    {
        using var lease = new HandleLease(client);
        ps_error* error = null;
        int code;
        fixed (byte* d = data)
        fixed (byte* m = metadata)
            code = NativeMethods.ps_client_create_and_seal(client.Pointer, (byte*)&id, d, data.Length, m,
                                                           metadata.Length, Flag(evictIfFull), &error);
        NativeStatus.Check(code, error, id);
    }

    /// <summary>All items in one round trip; nothing is sent for an empty list.</summary>
    internal static void ps_client_create_and_seal_batch(ClientHandle client, IReadOnlyList<PlasmaPutItem> items,
                                                         bool evictIfFull)
    {
        int n = items.Count;
        if (n == 0) return;
        var ids = new ObjectId[n];
        var datas = new nint[n];
        var dataSizes = new long[n];
        var metas = new nint[n];
        var metaSizes = new long[n];
        var pins = new System.Buffers.MemoryHandle[2 * n];
        try
        {
            for (int i = 0; i < n; i++)
            {
                ids[i] = items[i].Id;
                pins[2 * i] = items[i].Data.Pin();
                pins[2 * i + 1] = items[i].Metadata.Pin();
                datas[i] = (nint)pins[2 * i].Pointer;
                dataSizes[i] = items[i].Data.Length;
                metas[i] = (nint)pins[2 * i + 1].Pointer;
                metaSizes[i] = items[i].Metadata.Length;
            }
            using var lease = new HandleLease(client);
            ps_error* error = null;
            int code;
            fixed (ObjectId* idp = ids)
            fixed (nint* dp = datas)
            fixed (long* dsp = dataSizes)
            fixed (nint* mp = metas)
            fixed (long* msp = metaSizes)
                code = NativeMethods.ps_client_create_and_seal_batch(client.Pointer, (byte*)idp, n, (byte**)dp, dsp,
                                                                     (byte**)mp, msp, Flag(evictIfFull), &error);
            NativeStatus.Check(code, error, $"batch of {n} objects");
        }
        finally
        {
            foreach (var pin in pins) pin.Dispose();
        }
    }

    internal static bool ps_client_contains(ClientHandle client, ObjectId id)
    {
        using var lease = new HandleLease(client);
        byte has = 0;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_contains(client.Pointer, (byte*)&id, &has, &error), error, id);
        return has != 0;
    }

    /// <summary>One result per id (the store's per-object codes); the call itself fails only on transport errors.</summary>
    internal static DeleteResult[] ps_client_delete(ClientHandle client, ReadOnlySpan<ObjectId> ids)
    {
        if (ids.IsEmpty) return [];
        var results = new DeleteResult[ids.Length];
        using var lease = new HandleLease(client);
        ps_error* error = null;
        int code;
        fixed (ObjectId* idp = ids)
        fixed (DeleteResult* r = results) // DeleteResult's values are the ps_code values, int-sized
            code = NativeMethods.ps_client_delete(client.Pointer, (byte*)idp, ids.Length, (int*)r, &error);
        NativeStatus.Check(code, error);
        return results;
    }

    internal static void ps_client_refresh(ClientHandle client, ReadOnlySpan<ObjectId> ids)
    {
        if (ids.IsEmpty) return;
        using var lease = new HandleLease(client);
        ps_error* error = null;
        int code;
        fixed (ObjectId* idp = ids) code = NativeMethods.ps_client_refresh(client.Pointer, (byte*)idp, ids.Length, &error);
        NativeStatus.Check(code, error);
    }

    internal static byte[] ps_client_hash(ClientHandle client, ObjectId id)
    {
        var digest = new byte[NativeConstants.PS_DIGEST_SIZE];
        using var lease = new HandleLease(client);
        ps_error* error = null;
        int code;
        fixed (byte* d = digest) code = NativeMethods.ps_client_hash(client.Pointer, (byte*)&id, d, &error);
        NativeStatus.Check(code, error, id);
        return digest;
    }

    /// <summary>One entry per id: a local reference each, null for an object not available in time.</summary>
    internal static ObjectHandle?[] ps_client_get(ClientHandle client, ReadOnlySpan<ObjectId> ids, long timeoutMs)
    {
        if (ids.IsEmpty) return [];
        var raw = new nint[ids.Length];
        using (var lease = new HandleLease(client))
        {
            ps_error* error = null;
            int code;
            fixed (ObjectId* idp = ids)
            fixed (nint* o = raw)
                code = NativeMethods.ps_client_get(client.Pointer, (byte*)idp, ids.Length, timeoutMs, (ps_object**)o, &error);
            if (ids.Length == 1) NativeStatus.Check(code, error, ids[0]);
            else NativeStatus.Check(code, error);
        }
        var handles = new ObjectHandle?[raw.Length];
        for (int i = 0; i < raw.Length; i++)
            if (raw[i] != 0) handles[i] = new ObjectHandle((ps_object*)raw[i]);
        return handles;
    }

    internal static SubscriptionHandle ps_client_subscribe(ClientHandle client)
    {
        ps_subscription* raw = null;
        using var lease = new HandleLease(client);
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_subscribe(client.Pointer, &raw, &error), error);
        return new SubscriptionHandle(raw);
    }
}
