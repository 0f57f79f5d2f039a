/*
 * plasmasharp.h - the one C ABI of PlasmaSharp's native library (libplasmasharp_native.so).
 *
 * Everything C#, Python (ctypes), Node (koffi) or C sees of the native side is declared here.
 * Conventions, for every function:
 *   - Fixed-width types only; opaque handles; no C++ type and no C++ exception crosses it.
 *   - Every fallible call returns a ps_code (0 = PS_OK). Its last parameter, `ps_error** error`,
 *     may be NULL; when it is not NULL and the call fails, *error receives a newly allocated
 *     error (code + message) that the caller frees with ps_error_free. No thread-local state.
 *   - Object ids are 20 raw bytes (PS_OBJECT_ID_SIZE); arrays of ids are n*20 contiguous bytes.
 *   - Pointers handed out by a ps_object stay valid until that ps_object is released, even
 *     after the client disconnected or was freed: the mapping is reference-counted.
 * Thread safety: a ps_client may be used from many threads at once; its requests are
 * pipelined on its one connection, so a ps_client_get waiting on the store does not hold up
 * the other calls on that client (libplasma's do wait). At most one waiting get per client is
 * on the wire: a second ps_client_get with timeout_ms != 0 waits for the first (the real Arrow
 * 11 store aborts when a connection with two waiting gets disconnects).
 * ps_client_disconnect does not wait and wakes every waiting call; ps_object_release never
 * waits for another thread's call (safe from a finalizer thread). A ps_object, a
 * ps_subscription, a ps_missing_watch and a ps_error must each be released/freed exactly once.
 */
#ifndef PLASMASHARP_H
#define PLASMASHARP_H

#include <stdint.h>

#if defined(PLASMASHARP_BUILDING)
#define PS_API __attribute__((visibility("default")))
#else
#define PS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PS_OBJECT_ID_SIZE 20
#define PS_DIGEST_SIZE 8

/* Status codes. 1..5 are the Plasma store's own PlasmaError values. */
typedef int32_t ps_code;
#define PS_OK 0
#define PS_OBJECT_EXISTS 1
#define PS_OBJECT_NOT_FOUND 2
#define PS_OUT_OF_MEMORY 3
#define PS_OBJECT_NOT_SEALED 4
#define PS_OBJECT_IN_USE 5
#define PS_IO_ERROR 10         /* a socket or mmap call failed */
#define PS_INVALID_ARGUMENT 11 /* the caller passed something unusable (NULL, bad size) */
#define PS_DISCONNECTED 12     /* the store hung up, or the client was disconnected */
#define PS_TIMEOUT 13          /* a wait ran out (connect, notification) */
#define PS_PROTOCOL_ERROR 14   /* the peer sent a malformed or unexpected message */
#define PS_INTERNAL 15         /* a bug: please report it */

typedef struct ps_error ps_error;               /* code + message */
typedef struct ps_client ps_client;             /* one connection to a store */
typedef struct ps_object ps_object;             /* one local reference to one object */
typedef struct ps_subscription ps_subscription; /* the client's notification socket */
typedef struct ps_object_list ps_object_list;   /* a snapshot from ps_client_list */
typedef struct ps_digest ps_digest;             /* an object digest fed front to back */
typedef struct ps_store ps_store;               /* a store running inside this process */
typedef struct ps_missing_watch ps_missing_watch; /* our store's missing-objects watch */

/* Where an object's bytes are, in this process. Pointers into the mapped segment. */
typedef struct ps_object_view {
  uint8_t* data;
  int64_t data_size;
  uint8_t* metadata;
  int64_t metadata_size;
  uint8_t* segment_base; /* start of the mapping that holds the object */
  int64_t segment_size;  /* bytes mapped there */
  uint8_t object_id[PS_OBJECT_ID_SIZE];
  uint8_t is_sealed; /* 0 for an object this client created and has not sealed */
  uint8_t reserved[3];
  int32_t reserved2;
} ps_object_view;

/* One entry of ps_client_list, and one notification. */
typedef struct ps_object_info {
  uint8_t object_id[PS_OBJECT_ID_SIZE];
  uint8_t digest[PS_DIGEST_SIZE]; /* zero for unsealed objects */
  int64_t data_size;
  int64_t metadata_size;
  int64_t create_time;        /* Unix seconds */
  int64_t construct_duration; /* seconds; -1 while unsealed */
  int32_t ref_count;          /* connections holding the object */
  uint8_t is_sealed;
  uint8_t is_deletion; /* notifications only: the object was deleted or evicted */
  uint8_t is_spilled;  /* lists from our store with -e only: spilled to the external store */
  uint8_t reserved[1];
} ps_object_info;

/* ---- errors and library ---- */
PS_API ps_code ps_error_code(const ps_error* error);
PS_API const char* ps_error_message(const ps_error* error); /* valid until ps_error_free */
PS_API void ps_error_free(ps_error* error);
PS_API const char* ps_version(void); /* static string, e.g. "0.1.0" */
PS_API void ps_string_free(char* s); /* frees strings returned by this library */

/* ---- client ---- */
/* Connects and performs the Connect handshake. num_retries < 0 and retry_delay_ms < 0 take
 * the real client's defaults (80 attempts, 100 ms apart); 1 attempt = no retry. */
PS_API ps_code ps_client_connect(const char* socket_path, int32_t num_retries,
                                 int64_t retry_delay_ms, ps_client** out, ps_error** error);
/* Closes the socket (pending objects stay mapped until released) and frees the handle. */
PS_API void ps_client_free(ps_client* client);
/* Closes the connection now; later calls return PS_DISCONNECTED. */
PS_API ps_code ps_client_disconnect(ps_client* client, ps_error** error);
PS_API ps_code ps_client_store_capacity(ps_client* client, int64_t* out, ps_error** error);
PS_API ps_code ps_client_set_options(ps_client* client, const char* client_name,
                                     int64_t output_memory_quota, ps_error** error);

/* Creates an unsealed object of data_size bytes; metadata is copied in. *out holds one local
 * reference; write through ps_object_view.data, then ps_object_seal or ps_object_abort. */
PS_API ps_code ps_client_create(ps_client* client, const uint8_t* object_id, int64_t data_size,
                                const uint8_t* metadata, int64_t metadata_size,
                                uint8_t evict_if_full, ps_object** out, ps_error** error);
/* Creates and seals in one round trip (data travels inline in the message). */
PS_API ps_code ps_client_create_and_seal(ps_client* client, const uint8_t* object_id,
                                         const uint8_t* data, int64_t data_size,
                                         const uint8_t* metadata, int64_t metadata_size,
                                         uint8_t evict_if_full, ps_error** error);
/* Creates and seals `count` objects in one round trip; all or none. datas[i]/metadatas[i]
 * may be NULL when the matching size is 0. */
PS_API ps_code ps_client_create_and_seal_batch(ps_client* client, const uint8_t* object_ids,
                                               int64_t count, const uint8_t* const* datas,
                                               const int64_t* data_sizes,
                                               const uint8_t* const* metadatas,
                                               const int64_t* metadata_sizes,
                                               uint8_t evict_if_full, ps_error** error);
/* Gets `count` objects, waiting up to timeout_ms for unsealed/missing ones (0 = poll,
 * -1 = forever). out[i] is NULL for an object not available in time; others hold a local
 * reference each. */
PS_API ps_code ps_client_get(ps_client* client, const uint8_t* object_ids, int64_t count,
                             int64_t timeout_ms, ps_object** out, ps_error** error);
/* *out = 1 when the store has the object sealed, or when this client holds it - including an
 * object this client created and has not sealed yet (answered locally, as libplasma does;
 * other clients get 0 for it until it is sealed). */
PS_API ps_code ps_client_contains(ps_client* client, const uint8_t* object_id, uint8_t* out,
                                  ps_error** error);
/* Deletes `count` objects. results (may be NULL) receives one code per id: PS_OK,
 * PS_OBJECT_NOT_FOUND, PS_OBJECT_IN_USE or PS_OBJECT_NOT_SEALED (the last two: deleted once
 * released / sealed). The call itself fails only on transport errors. */
PS_API ps_code ps_client_delete(ps_client* client, const uint8_t* object_ids, int64_t count,
                                ps_code* results, ps_error** error);
/* Evicts least-recently-used unreferenced objects; *freed (may be NULL) = bytes freed. */
PS_API ps_code ps_client_evict(ps_client* client, int64_t num_bytes, int64_t* freed,
                               ps_error** error);
PS_API ps_code ps_client_refresh(ps_client* client, const uint8_t* object_ids, int64_t count,
                                 ps_error** error);
/* The object's digest as the real Plasma client computes it (XXH64 based, 8 bytes). */
PS_API ps_code ps_client_hash(ps_client* client, const uint8_t* object_id, uint8_t* digest_out,
                              ps_error** error);
PS_API ps_code ps_client_list(ps_client* client, ps_object_list** out, ps_error** error);
PS_API int64_t ps_object_list_count(const ps_object_list* list);
PS_API ps_code ps_object_list_get(const ps_object_list* list, int64_t index, ps_object_info* out,
                                  ps_error** error);
PS_API void ps_object_list_free(ps_object_list* list);
/* *out is a NUL-terminated string freed with ps_string_free. */
PS_API ps_code ps_client_debug_string(ps_client* client, char** out, ps_error** error);
/* A store's statistics, the one place they are computed (our store and Arrow 11's alike): the
 * capacity, the debug string's counters and, with count_objects, the object list. */
typedef struct ps_store_stats {
  int64_t capacity;       /* bytes */
  int64_t bytes_used;     /* bytes allocated to objects, sealed and unsealed */
  int64_t evictions;      /* objects evicted since the store started; -1 if it does not say */
  int64_t objects;        /* objects in the store; -1 unless count_objects */
  int64_t sealed_objects; /* -1 unless count_objects */
  int64_t objects_in_use; /* objects some client holds a reference to; -1 unless count_objects */
  int64_t spilled_objects; /* objects spilled to the external store (-e) now; -1 if not reported */
  int64_t spilled_bytes;   /* their bytes; -1 if not reported */
  int64_t restores;        /* spilled objects read back since the store started; -1 if not reported */
} ps_store_stats;
/* One round trip (the debug string); two with count_objects (the list grows with the objects). */
PS_API ps_code ps_client_store_stats(ps_client* client, uint8_t count_objects,
                                     ps_store_stats* out, ps_error** error);

/* ---- objects (one local reference each) ---- */
PS_API ps_code ps_object_get_view(const ps_object* object, ps_object_view* out, ps_error** error);
/* Computes the digest and seals. The reference stays held: release it afterwards. */
PS_API ps_code ps_object_seal(ps_object* object, ps_error** error);
/* Copies `size` bytes (must equal the object's data_size) from `source` into the unsealed
 * object, computing the digest in the same pass (several threads for large objects), then
 * seals - as writing through ps_object_view.data + ps_object_seal, one pass over the bytes
 * fewer. The reference stays held: release it afterwards. */
PS_API ps_code ps_object_write_and_seal(ps_object* object, const uint8_t* source, int64_t size,
                                        ps_error** error);
/* A digest fed with an object's data front to back, for writers that produce the data in order
 * (an Arrow IPC stream written in place): hand each finished piece to ps_digest_update on
 * another thread while writing the next, then seal with ps_object_seal_digested - the same
 * digest ps_object_seal computes, without a pass over the bytes after writing. One thread at a
 * time per ps_digest; free it with ps_digest_free. */
PS_API ps_code ps_digest_start(int64_t data_size, ps_digest** out, ps_error** error);
/* The next `size` bytes of the data (PS_INVALID_ARGUMENT past data_size). */
PS_API ps_code ps_digest_update(ps_digest* digest, const uint8_t* bytes, int64_t size, ps_error** error);
/* Copies the next `size` bytes of the data from `source` to `destination` (where they go in the
 * object: view.data + the bytes fed so far) and feeds them, in one pass - for a writer whose data
 * comes in large pieces (an Arrow column buffer): the digest chunks the piece covers whole are
 * copied and hashed on several threads, as ps_object_write_and_seal does for a whole object.
 * PS_INVALID_ARGUMENT past data_size (nothing copied). */
PS_API ps_code ps_digest_copy(ps_digest* digest, uint8_t* destination, const uint8_t* source, int64_t size,
                              ps_error** error);
/* The digest of all the data followed by `metadata` (the 8 bytes ps_client_hash reports once the
 * object is sealed), for a writer that checks an expected digest before it seals (a cluster pull:
 * on a mismatch it aborts, so a bad copy is never visible). Needs all data_size bytes fed
 * (PS_INVALID_ARGUMENT otherwise); leaves `digest` as it was, so ps_object_seal_digested can
 * follow without hashing the data again. */
PS_API ps_code ps_digest_value(const ps_digest* digest, const uint8_t* metadata, int64_t metadata_size,
                               uint8_t* digest_out, ps_error** error);
PS_API void ps_digest_free(ps_digest* digest);
/* Seals with `digest` (which must have been fed exactly the object's data_size bytes; the
 * metadata is added here). The reference stays held: release it afterwards. */
PS_API ps_code ps_object_seal_digested(ps_object* object, ps_digest* digest, ps_error** error);
/* Aborts an unsealed object this client created; fails with PS_OBJECT_IN_USE while another
 * local reference to it exists. The handle must still be released. */
PS_API ps_code ps_object_abort(ps_object* object, ps_error** error);
/* Drops the reference (the store hears of it when the client's last local holder lets go)
 * and frees the handle. Never fails on a disconnected client, and returns promptly even while
 * another thread's ps_client_get on the same client waits on the store (the ReleaseRequest is
 * then written beside it, or right after its reply). */
PS_API ps_code ps_object_release(ps_object* object, ps_error** error);

/* ---- notifications ---- */
/* Subscribes this connection to seal and delete notifications (once per client). */
PS_API ps_code ps_client_subscribe(ps_client* client, ps_subscription** out, ps_error** error);
/* Waits up to timeout_ms (0 = poll, -1 = forever) for the next notification:
 * PS_OK with *out filled, PS_TIMEOUT when none arrived, PS_DISCONNECTED when the store closed. */
PS_API ps_code ps_subscription_next(ps_subscription* subscription, int64_t timeout_ms,
                                    ps_object_info* out, ps_error** error);
PS_API int32_t ps_subscription_fd(const ps_subscription* subscription); /* for poll() */
PS_API void ps_subscription_free(ps_subscription* subscription);

/* ---- missing objects: transparent cluster Gets (our store only) ---- */
/* Opens a connection of its own to our store at socket_path (one attempt) and asks it, with the
 * store extension WatchMissingRequest, to report the ids local Gets wait for and it does not
 * have (a cluster node then pulls them from other nodes). Never open one on Arrow's
 * plasma-store-server: it aborts on the unknown message (the watch then reports
 * PS_DISCONNECTED). PS_IO_ERROR when nobody listens at socket_path. */
PS_API ps_code ps_missing_watch_open(const char* socket_path, ps_missing_watch** out,
                                     ps_error** error);
/* Waits up to timeout_ms (0 = poll, -1 = forever) for missing ids: copies up to `capacity` of
 * them to ids_out (capacity * PS_OBJECT_ID_SIZE bytes), sets *count to how many, and
 * *get_timeout_ms to the timeout of the Get that waits for them (-1 = forever). A notice with
 * more ids than capacity continues in the next calls (with the same get timeout); *count is
 * 0 only for a notice without ids (our store sends none).
 * PS_TIMEOUT when none arrived, PS_DISCONNECTED when the store closed the connection,
 * PS_PROTOCOL_ERROR for a frame that is no notice (the watch is over then). */
PS_API ps_code ps_missing_watch_next(ps_missing_watch* watch, int64_t timeout_ms, uint8_t* ids_out,
                                     int64_t capacity, int64_t* count, int64_t* get_timeout_ms,
                                     ps_error** error);
PS_API void ps_missing_watch_free(ps_missing_watch* watch);

/* ---- a store inside this process ---- */
/* Starts a store on its own thread, listening on socket_path; returns once it accepts
 * connections. directory may be NULL (= /dev/shm). */
PS_API ps_code ps_store_start(const char* socket_path, int64_t capacity, const char* directory,
                              ps_store** out, ps_error** error);
/* Stops the store (clients see their connection close) and frees the handle. */
PS_API void ps_store_stop(ps_store* store);

#ifdef __cplusplus
}
#endif

#endif /* PLASMASHARP_H */
