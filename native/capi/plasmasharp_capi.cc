// The C ABI (native/include/plasmasharp.h) over plasmasharp::client. Every entry point catches
// everything: no C++ exception crosses into C, C#, Python or Node (catch-all -> PS_INTERNAL).
#include "plasmasharp.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "abi_checks.h"
#include "missing_watch.h"
#include "plasma_client.h"
#include "store_stats.h"

#include "store_runner.h"

using plasmasharp::client::Code;
using plasmasharp::client::DigestToBytes;
using plasmasharp::client::MissingNotice;
using plasmasharp::client::MissingWatch;
using plasmasharp::client::ObjectId;
using plasmasharp::client::ObjectInfo;
using plasmasharp::client::ObjectRef;
using plasmasharp::client::PlasmaClient;
using plasmasharp::client::Status;
using plasmasharp::client::StreamingDigest;
using plasmasharp::client::Subscription;

struct ps_error {
  ps_code code;
  std::string message;
};

struct ps_client {
  std::shared_ptr<PlasmaClient> client;
};

struct ps_object {
  std::unique_ptr<ObjectRef> ref;
};

struct ps_subscription {
  std::unique_ptr<Subscription> subscription;
};

struct ps_object_list {
  std::vector<ObjectInfo> objects;
};

struct ps_digest {
  StreamingDigest digest;
};

struct ps_store {
  std::unique_ptr<plasmasharp::store::StoreRunner> runner;
};

struct ps_missing_watch {
  std::unique_ptr<MissingWatch> watch;
  std::mutex mutex;      // guards the notice being handed out
  MissingNotice notice;  // ids from `next` on are still to be handed out
  size_t next = 0;
};

namespace {

ps_code Fail(ps_error** error, ps_code code, const std::string& message) {
  if (error != nullptr) {
    // If even this allocation fails the caller still gets the code.
    *error = new (std::nothrow) ps_error{code, message};
  }
  return code;
}

ps_code Report(const Status& status, ps_error** error) {
  if (status.ok()) return PS_OK;
  return Fail(error, static_cast<ps_code>(status.code()), status.message());
}

// Runs `body` (returning ps_code) and turns any escaping exception into PS_INTERNAL.
template <typename Body>
ps_code Guard(ps_error** error, Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(error, PS_INTERNAL, "out of memory in the native library");
  } catch (const std::exception& e) {
    return Fail(error, PS_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail(error, PS_INTERNAL, "internal error: unknown exception");
  }
}

ps_code NullArgument(ps_error** error, const char* what) {
  return Fail(error, PS_INVALID_ARGUMENT, std::string(what) + " is NULL");
}

ObjectId IdAt(const uint8_t* ids, int64_t index) {
  return ObjectId(reinterpret_cast<const char*>(ids) + index * PS_OBJECT_ID_SIZE,
                  PS_OBJECT_ID_SIZE);
}

// The arguments every call about a list of objects starts with: the client, and `count` ids
// of PS_OBJECT_ID_SIZE bytes each, copied into *out.
ps_code ClientAndIds(const ps_client* client, const uint8_t* ids, int64_t count, std::vector<ObjectId>* out,
                     ps_error** error) {
  if (client == nullptr) return NullArgument(error, "client");
  if (count < 0) return Fail(error, PS_INVALID_ARGUMENT, "count is negative");
  if (count > 0 && ids == nullptr) return NullArgument(error, "object_ids");
  out->reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) out->push_back(IdAt(ids, i));
  return PS_OK;
}

void FillInfo(const ObjectInfo& info, ps_object_info* out) {
  std::memset(out, 0, sizeof(*out));
  std::memcpy(out->object_id, info.object_id.data(),
              std::min<size_t>(info.object_id.size(), PS_OBJECT_ID_SIZE));
  std::memcpy(out->digest, info.digest.data(), PS_DIGEST_SIZE);
  out->data_size = info.data_size;
  out->metadata_size = info.metadata_size;
  out->create_time = info.create_time;
  out->construct_duration = info.construct_duration;
  out->ref_count = info.ref_count;
  out->is_sealed = info.is_sealed ? 1 : 0;
  out->is_deletion = info.is_deletion ? 1 : 0;
  out->is_spilled = info.is_spilled ? 1 : 0;
}

char* CopyString(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

// A ps_digest fed more than its data size: nothing was hashed.
ps_code PastDataSize(ps_error** error, const char* call, const StreamingDigest& digest, int64_t size) {
  return Fail(error, PS_INVALID_ARGUMENT,
              std::string(call) + " past the data size: " + std::to_string(digest.hashed()) + " + " +
                  std::to_string(size) + " > " + std::to_string(digest.data_size()));
}

// A call that makes a new handle: `fill` sets it up; the caller gets it only if that succeeded
// (*out is NULL otherwise, with the error reported).
template <typename Handle, typename Fill>
ps_code HandOut(Handle** out, ps_error** error, Fill&& fill) {
  *out = nullptr;
  auto handle = std::make_unique<Handle>();
  Status st = fill(*handle);
  if (!st.ok()) return Report(st, error);
  *out = handle.release();
  return PS_OK;
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------- errors and library

ps_code ps_error_code(const ps_error* error) { return error ? error->code : PS_OK; }

const char* ps_error_message(const ps_error* error) { return error ? error->message.c_str() : ""; }

void ps_error_free(ps_error* error) { delete error; }

const char* ps_version(void) { return "0.1.0"; }

void ps_string_free(char* s) { std::free(s); }

// ---------------------------------------------------------------- client

ps_code ps_client_connect(const char* socket_path, int32_t num_retries, int64_t retry_delay_ms,
                          ps_client** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (socket_path == nullptr) return NullArgument(error, "socket_path");
    if (out == nullptr) return NullArgument(error, "out");
    *out = nullptr;
    std::shared_ptr<PlasmaClient> client;
    Status st = PlasmaClient::Connect(socket_path, num_retries, retry_delay_ms, &client);
    if (!st.ok()) return Report(st, error);
    *out = new ps_client{std::move(client)};
    return PS_OK;
  });
}

void ps_client_free(ps_client* client) {
  if (client == nullptr) return;
  try {
    client->client->Disconnect();
  } catch (...) {
  }
  delete client;
}

ps_code ps_client_disconnect(ps_client* client, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    return Report(client->client->Disconnect(), error);
  });
}

ps_code ps_client_store_capacity(ps_client* client, int64_t* out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (out == nullptr) return NullArgument(error, "out");
    *out = client->client->store_capacity();
    return PS_OK;
  });
}

ps_code ps_client_set_options(ps_client* client, const char* client_name,
                              int64_t output_memory_quota, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (client_name == nullptr) return NullArgument(error, "client_name");
    return Report(client->client->SetClientOptions(client_name, output_memory_quota), error);
  });
}

ps_code ps_client_create(ps_client* client, const uint8_t* object_id, int64_t data_size,
                         const uint8_t* metadata, int64_t metadata_size, uint8_t evict_if_full,
                         ps_object** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (object_id == nullptr) return NullArgument(error, "object_id");
    if (out == nullptr) return NullArgument(error, "out");
    return HandOut(out, error, [&](ps_object& handle) {
      return client->client->Create(IdAt(object_id, 0), data_size, metadata, metadata_size,
                                    evict_if_full != 0, &handle.ref);
    });
  });
}

ps_code ps_client_create_and_seal(ps_client* client, const uint8_t* object_id, const uint8_t* data,
                                  int64_t data_size, const uint8_t* metadata,
                                  int64_t metadata_size, uint8_t evict_if_full, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (object_id == nullptr) return NullArgument(error, "object_id");
    return Report(client->client->CreateAndSeal(IdAt(object_id, 0), data, data_size, metadata,
                                                metadata_size, evict_if_full != 0),
                  error);
  });
}

ps_code ps_client_create_and_seal_batch(ps_client* client, const uint8_t* object_ids,
                                        int64_t count, const uint8_t* const* datas,
                                        const int64_t* data_sizes,
                                        const uint8_t* const* metadatas,
                                        const int64_t* metadata_sizes, uint8_t evict_if_full,
                                        ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    std::vector<ObjectId> ids;
    ps_code code = ClientAndIds(client, object_ids, count, &ids, error);
    if (code != PS_OK) return code;
    std::vector<PlasmaClient::BatchItem> items(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      items[i].id = ids[i];
      items[i].data = datas ? datas[i] : nullptr;
      items[i].data_size = data_sizes ? data_sizes[i] : 0;
      items[i].metadata = metadatas ? metadatas[i] : nullptr;
      items[i].metadata_size = metadata_sizes ? metadata_sizes[i] : 0;
    }
    return Report(client->client->CreateAndSealBatch(items, evict_if_full != 0), error);
  });
}

ps_code ps_client_get(ps_client* client, const uint8_t* object_ids, int64_t count,
                      int64_t timeout_ms, ps_object** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    std::vector<ObjectId> ids;
    ps_code code = ClientAndIds(client, object_ids, count, &ids, error);
    if (code != PS_OK) return code;
    if (count > 0 && out == nullptr) return NullArgument(error, "out");
    for (int64_t i = 0; i < count; ++i) out[i] = nullptr;
    // Handles are allocated before the request so that nothing can fail after references
    // were taken.
    std::vector<std::unique_ptr<ps_object>> handles(ids.size());
    for (auto& h : handles) h = std::make_unique<ps_object>();
    std::vector<std::unique_ptr<ObjectRef>> refs;
    Status st = client->client->Get(ids, timeout_ms, &refs);
    if (!st.ok()) return Report(st, error);
    for (size_t i = 0; i < refs.size(); ++i) {
      if (!refs[i]) continue;
      handles[i]->ref = std::move(refs[i]);
      out[i] = handles[i].release();
    }
    return PS_OK;
  });
}

ps_code ps_client_contains(ps_client* client, const uint8_t* object_id, uint8_t* out,
                           ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (object_id == nullptr) return NullArgument(error, "object_id");
    if (out == nullptr) return NullArgument(error, "out");
    bool has = false;
    Status st = client->client->Contains(IdAt(object_id, 0), &has);
    if (!st.ok()) return Report(st, error);
    *out = has ? 1 : 0;
    return PS_OK;
  });
}

ps_code ps_client_delete(ps_client* client, const uint8_t* object_ids, int64_t count,
                         ps_code* results, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    std::vector<ObjectId> ids;
    ps_code code = ClientAndIds(client, object_ids, count, &ids, error);
    if (code != PS_OK) return code;
    std::vector<Code> codes;
    Status st = client->client->Delete(ids, &codes);
    if (!st.ok()) return Report(st, error);
    if (results != nullptr) {
      for (size_t i = 0; i < codes.size(); ++i) results[i] = static_cast<ps_code>(codes[i]);
    }
    return PS_OK;
  });
}

ps_code ps_client_evict(ps_client* client, int64_t num_bytes, int64_t* freed, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    int64_t n = 0;
    Status st = client->client->Evict(num_bytes, &n);
    if (!st.ok()) return Report(st, error);
    if (freed != nullptr) *freed = n;
    return PS_OK;
  });
}

ps_code ps_client_refresh(ps_client* client, const uint8_t* object_ids, int64_t count,
                          ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    std::vector<ObjectId> ids;
    ps_code code = ClientAndIds(client, object_ids, count, &ids, error);
    if (code != PS_OK) return code;
    return Report(client->client->Refresh(ids), error);
  });
}

ps_code ps_client_hash(ps_client* client, const uint8_t* object_id, uint8_t* digest_out,
                       ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (object_id == nullptr) return NullArgument(error, "object_id");
    if (digest_out == nullptr) return NullArgument(error, "digest_out");
    std::array<uint8_t, PS_DIGEST_SIZE> digest{};
    Status st = client->client->Hash(IdAt(object_id, 0), &digest);
    if (!st.ok()) return Report(st, error);
    std::memcpy(digest_out, digest.data(), PS_DIGEST_SIZE);
    return PS_OK;
  });
}

ps_code ps_client_list(ps_client* client, ps_object_list** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (out == nullptr) return NullArgument(error, "out");
    return HandOut(out, error, [&](ps_object_list& list) { return client->client->List(&list.objects); });
  });
}

int64_t ps_object_list_count(const ps_object_list* list) {
  return list ? static_cast<int64_t>(list->objects.size()) : 0;
}

ps_code ps_object_list_get(const ps_object_list* list, int64_t index, ps_object_info* out,
                           ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (list == nullptr) return NullArgument(error, "list");
    if (out == nullptr) return NullArgument(error, "out");
    if (index < 0 || index >= static_cast<int64_t>(list->objects.size())) {
      return Fail(error, PS_INVALID_ARGUMENT, "index " + std::to_string(index) + " out of range");
    }
    FillInfo(list->objects[static_cast<size_t>(index)], out);
    return PS_OK;
  });
}

void ps_object_list_free(ps_object_list* list) { delete list; }

ps_code ps_client_debug_string(ps_client* client, char** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (out == nullptr) return NullArgument(error, "out");
    *out = nullptr;
    std::string s;
    Status st = client->client->DebugString(&s);
    if (!st.ok()) return Report(st, error);
    *out = CopyString(s);
    return PS_OK;
  });
}

ps_code ps_client_store_stats(ps_client* client, uint8_t count_objects, ps_store_stats* out,
                              ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (out == nullptr) return NullArgument(error, "out");
    plasmasharp::client::StoreStats stats;
    Status st = plasmasharp::client::ReadStoreStats(*client->client, count_objects != 0, &stats);
    if (!st.ok()) return Report(st, error);
    *out = ps_store_stats{stats.capacity,        stats.bytes_used,     stats.evictions,
                          stats.objects,         stats.sealed_objects, stats.objects_in_use,
                          stats.spilled_objects, stats.spilled_bytes,  stats.restores};
    return PS_OK;
  });
}

// ---------------------------------------------------------------- objects

ps_code ps_object_get_view(const ps_object* object, ps_object_view* out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (object == nullptr) return NullArgument(error, "object");
    if (out == nullptr) return NullArgument(error, "out");
    if (object->ref->released()) {
      return Fail(error, PS_INVALID_ARGUMENT, "the object was aborted");
    }
    std::memset(out, 0, sizeof(*out));
    const ObjectRef& r = *object->ref;
    out->data = r.data();
    out->data_size = r.data_size();
    out->metadata = r.metadata();
    out->metadata_size = r.metadata_size();
    out->segment_base = r.segment_base();
    out->segment_size = r.segment_size();
    std::memcpy(out->object_id, r.id().data(), PS_OBJECT_ID_SIZE);
    out->is_sealed = r.sealed() ? 1 : 0;
    return PS_OK;
  });
}

ps_code ps_object_seal(ps_object* object, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (object == nullptr) return NullArgument(error, "object");
    return Report(object->ref->Seal(), error);
  });
}

ps_code ps_object_write_and_seal(ps_object* object, const uint8_t* source, int64_t size,
                                 ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (object == nullptr) return NullArgument(error, "object");
    return Report(object->ref->WriteAndSeal(source, size), error);
  });
}

ps_code ps_digest_start(int64_t data_size, ps_digest** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (out == nullptr) return NullArgument(error, "out");
    if (data_size < 0) return Fail(error, PS_INVALID_ARGUMENT, "data_size is negative");
    *out = new ps_digest{StreamingDigest(static_cast<size_t>(data_size))};
    return PS_OK;
  });
}

ps_code ps_digest_update(ps_digest* digest, const uint8_t* bytes, int64_t size, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (digest == nullptr) return NullArgument(error, "digest");
    if (size < 0 || (bytes == nullptr && size > 0)) return Fail(error, PS_INVALID_ARGUMENT, "bad bytes or size");
    if (!digest->digest.Update(bytes, static_cast<size_t>(size))) {
      return PastDataSize(error, "ps_digest_update", digest->digest, size);
    }
    return PS_OK;
  });
}

ps_code ps_digest_copy(ps_digest* digest, uint8_t* destination, const uint8_t* source, int64_t size,
                       ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (digest == nullptr) return NullArgument(error, "digest");
    if (size < 0 || ((destination == nullptr || source == nullptr) && size > 0)) {
      return Fail(error, PS_INVALID_ARGUMENT, "bad destination, source or size");
    }
    if (!digest->digest.CopyAndUpdate(destination, source, static_cast<size_t>(size))) {
      return PastDataSize(error, "ps_digest_copy", digest->digest, size);
    }
    return PS_OK;
  });
}

ps_code ps_digest_value(const ps_digest* digest, const uint8_t* metadata, int64_t metadata_size,
                        uint8_t* digest_out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (digest == nullptr) return NullArgument(error, "digest");
    if (digest_out == nullptr) return NullArgument(error, "digest_out");
    if (metadata_size < 0 || (metadata == nullptr && metadata_size > 0)) {
      return Fail(error, PS_INVALID_ARGUMENT, "bad metadata or metadata_size");
    }
    const StreamingDigest& streamed = digest->digest;
    if (streamed.hashed() != streamed.data_size()) {
      return Fail(error, PS_INVALID_ARGUMENT,
                  "ps_digest_value before all the data was fed: " + std::to_string(streamed.hashed()) + " of " +
                      std::to_string(streamed.data_size()) + " bytes");
    }
    DigestToBytes(streamed.Finish(metadata, static_cast<size_t>(metadata_size)), digest_out);
    return PS_OK;
  });
}

void ps_digest_free(ps_digest* digest) { delete digest; }

ps_code ps_object_seal_digested(ps_object* object, ps_digest* digest, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (object == nullptr) return NullArgument(error, "object");
    if (digest == nullptr) return NullArgument(error, "digest");
    return Report(object->ref->SealWithDigest(&digest->digest), error);
  });
}

ps_code ps_object_abort(ps_object* object, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (object == nullptr) return NullArgument(error, "object");
    return Report(object->ref->Abort(), error);
  });
}

ps_code ps_object_release(ps_object* object, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (object == nullptr) return NullArgument(error, "object");
    Status st = object->ref->Release();
    delete object;  // the handle goes whatever the outcome
    return Report(st, error);
  });
}

// ---------------------------------------------------------------- notifications

ps_code ps_client_subscribe(ps_client* client, ps_subscription** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (client == nullptr) return NullArgument(error, "client");
    if (out == nullptr) return NullArgument(error, "out");
    return HandOut(out, error,
                   [&](ps_subscription& handle) { return client->client->Subscribe(&handle.subscription); });
  });
}

ps_code ps_subscription_next(ps_subscription* subscription, int64_t timeout_ms,
                             ps_object_info* out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (subscription == nullptr) return NullArgument(error, "subscription");
    if (out == nullptr) return NullArgument(error, "out");
    ObjectInfo info;
    Status st = subscription->subscription->Next(timeout_ms, &info);
    if (!st.ok()) return Report(st, error);
    FillInfo(info, out);
    return PS_OK;
  });
}

int32_t ps_subscription_fd(const ps_subscription* subscription) {
  return subscription ? subscription->subscription->fd() : -1;
}

void ps_subscription_free(ps_subscription* subscription) { delete subscription; }

// ---------------------------------------------------------------- missing objects

ps_code ps_missing_watch_open(const char* socket_path, ps_missing_watch** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (socket_path == nullptr) return NullArgument(error, "socket_path");
    if (out == nullptr) return NullArgument(error, "out");
    return HandOut(out, error,
                   [&](ps_missing_watch& handle) { return MissingWatch::Open(socket_path, &handle.watch); });
  });
}

ps_code ps_missing_watch_next(ps_missing_watch* watch, int64_t timeout_ms, uint8_t* ids_out,
                              int64_t capacity, int64_t* count, int64_t* get_timeout_ms,
                              ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (watch == nullptr) return NullArgument(error, "watch");
    if (ids_out == nullptr) return NullArgument(error, "ids_out");
    if (count == nullptr) return NullArgument(error, "count");
    if (get_timeout_ms == nullptr) return NullArgument(error, "get_timeout_ms");
    if (capacity <= 0) return Fail(error, PS_INVALID_ARGUMENT, "capacity must be positive");
    std::lock_guard<std::mutex> lock(watch->mutex);
    if (watch->next == watch->notice.ids.size()) {
      watch->notice.ids.clear();
      watch->next = 0;
      Status st = watch->watch->Next(timeout_ms, &watch->notice);
      if (!st.ok()) return Report(st, error);
    }
    const auto& ids = watch->notice.ids;
    const size_t n = std::min(ids.size() - watch->next, static_cast<size_t>(capacity));
    for (size_t i = 0; i < n; ++i) {
      std::memcpy(ids_out + i * PS_OBJECT_ID_SIZE, ids[watch->next + i].data(), PS_OBJECT_ID_SIZE);
    }
    watch->next += n;
    *count = static_cast<int64_t>(n);
    *get_timeout_ms = watch->notice.get_timeout_ms;
    return PS_OK;
  });
}

void ps_missing_watch_free(ps_missing_watch* watch) { delete watch; }

// ---------------------------------------------------------------- in-process store

ps_code ps_store_start(const char* socket_path, int64_t capacity, const char* directory,
                       ps_store** out, ps_error** error) {
  return Guard(error, [&]() -> ps_code {
    if (socket_path == nullptr) return NullArgument(error, "socket_path");
    if (out == nullptr) return NullArgument(error, "out");
    *out = nullptr;
    if (capacity <= 0) return Fail(error, PS_INVALID_ARGUMENT, "capacity must be positive");
    plasmasharp::store::StoreOptions options;
    options.socket_path = socket_path;
    options.capacity = capacity;
    if (directory != nullptr) options.directory = directory;
    std::string message;
    auto runner = plasmasharp::store::StoreRunner::Start(options, &message);
    if (!runner) {
      return Fail(error, PS_IO_ERROR,
                  message.empty() ? "the store did not start" : "the store did not start: " + message);
    }
    auto store = std::make_unique<ps_store>();
    store->runner = std::move(runner);
    *out = store.release();
    return PS_OK;
  });
}

void ps_store_stop(ps_store* store) {
  if (store == nullptr) return;
  try {
    if (store->runner) store->runner->Stop();
    delete store;
  } catch (...) {
  }
}

}  // extern "C"
