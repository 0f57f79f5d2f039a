using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

internal static unsafe partial class NativeMethods
{
    // ---- client ----
    [LibraryImport(LibraryName)]
    internal static partial int ps_client_connect(byte* socket_path, int num_retries, long retry_delay_ms,
                                                  ps_client** @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial void ps_client_free(ps_client* client);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_disconnect(ps_client* client, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_store_capacity(ps_client* client, long* @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_set_options(ps_client* client, byte* client_name, long output_memory_quota,
                                                      ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_create(ps_client* client, byte* object_id, long data_size, byte* metadata,
                                                 long metadata_size, byte evict_if_full, ps_object** @out,
                                                 ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_create_and_seal(ps_client* client, byte* object_id, byte* data, long data_size,
                                                          byte* metadata, long metadata_size, byte evict_if_full,
                                                          ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_create_and_seal_batch(ps_client* client, byte* object_ids, long count,
                                                                byte** datas, long* data_sizes, byte** metadatas,
                                                                long* metadata_sizes, byte evict_if_full,
                                                                ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_get(ps_client* client, byte* object_ids, long count, long timeout_ms,
                                              ps_object** @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_contains(ps_client* client, byte* object_id, byte* @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_delete(ps_client* client, byte* object_ids, long count, int* results,
                                                 ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_evict(ps_client* client, long num_bytes, long* freed, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_refresh(ps_client* client, byte* object_ids, long count, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_hash(ps_client* client, byte* object_id, byte* digest_out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_list(ps_client* client, ps_object_list** @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial long ps_object_list_count(ps_object_list* list);

    [LibraryImport(LibraryName)]
    internal static partial int ps_object_list_get(ps_object_list* list, long index, ps_object_info* @out,
                                                   ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial void ps_object_list_free(ps_object_list* list);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_debug_string(ps_client* client, byte** @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_client_store_stats(ps_client* client, byte count_objects, ps_store_stats* @out,
                                                      ps_error** error);
}
