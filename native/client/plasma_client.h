// PlasmaSharp's C++ Plasma client: the capabilities of libplasma's PlasmaClient, speaking the
// same wire messages in the same order (plasma-wire README), so it works against our store and
// against a real Arrow 0.17-11 plasma-store-server.
//
// Wire behaviour kept from libplasma:
//  - ConnectRequest right after connect(); connect() retried (default 80 x 100 ms).
//  - Per-object local reference counts. Create takes two (one for the caller's ObjectRef, one
//    that Seal drops), so create -> seal -> release sends Create, Seal, Release. A Release
//    reaches the store only when the last local reference goes.
//  - A Get whose ids are all held locally (and sealed) is answered without wire traffic, as is
//    Contains of a held sealed object. Delete does not send ids this client holds: they are
//    deleted after their last release (reported as kObjectInUse).
//  - Segments mapped once per store_fd, on the first fd the store sends for it.
//
// Threads: one PlasmaClient may be used from many threads. Each request/reply exchange holds
// the client's mutex, so a Get waiting on the store (timeout > 0 or -1) delays other calls on
// the same client until it is answered - as in libplasma. Use one client per thread that needs
// to wait independently. Disconnect() does not wait: it wakes a blocked Get (which then returns
// kDisconnected).
//
// Lifetime: objects (ObjectRef) keep the client's state and their segment mapping alive, so
// their pointers stay valid after Disconnect() and after the last PlasmaClient reference goes.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "connection.h"
#include "digest.h"
#include "segment.h"
#include "status.h"

namespace plasmasharp::client {

constexpr size_t kObjectIdSize = 20;
// An object id: 20 raw bytes (kept in a std::string for hashing and maps).
using ObjectId = std::string;

constexpr int kDefaultConnectRetries = 80;
constexpr int64_t kDefaultConnectRetryDelayMs = 100;

// One entry of List, and one notification.
struct ObjectInfo {
  ObjectId object_id;
  std::array<uint8_t, kDigestSize> digest{};  // zero when the store sent none (unsealed)
  int64_t data_size = 0;
  int64_t metadata_size = 0;
  int64_t create_time = 0;
  int64_t construct_duration = 0;
  int32_t ref_count = 0;
  bool is_sealed = false;
  bool is_deletion = false;
};

class PlasmaClient;

// What the client knows about an object it holds references to. Shared by the client's table
// and every ObjectRef of the object; `count` and `sealed` are guarded by the client's mutex.
struct LocalObject {
  ObjectId id;
  std::shared_ptr<Segment> segment;
  uint8_t* data = nullptr;
  int64_t data_size = 0;
  uint8_t* metadata = nullptr;
  int64_t metadata_size = 0;
  int count = 0;
  std::atomic<bool> sealed{false};
  bool created_here = false;  // created by this client and not sealed yet: Seal drops a reference
};

// One local reference to one object. Its pointers stay valid until Release() or destruction.
class ObjectRef {
 public:
  ~ObjectRef();
  ObjectRef(const ObjectRef&) = delete;
  ObjectRef& operator=(const ObjectRef&) = delete;

  const ObjectId& id() const { return object_->id; }
  uint8_t* data() const { return object_->data; }
  int64_t data_size() const { return object_->data_size; }
  uint8_t* metadata() const { return object_->metadata; }
  int64_t metadata_size() const { return object_->metadata_size; }
  uint8_t* segment_base() const { return object_->segment->base(); }
  int64_t segment_size() const { return object_->segment->size(); }
  bool sealed() const { return object_->sealed.load(); }
  bool released() const { return released_; }

  // Digest + SealRequest; the reference stays held.
  Status Seal();
  // Copies `size` bytes (must equal data_size()) from `source` into the unsealed object while
  // computing the digest in the same pass (several threads for large objects), then seals.
  // Same wire result as writing through data() and Seal(), one pass over the bytes fewer.
  Status WriteAndSeal(const uint8_t* source, int64_t size);
  // Aborts an unsealed object this client created (kObjectInUse while other local references
  // exist). The reference is consumed: Release() afterwards is a no-op.
  Status Abort();
  // Drops the reference; never fails because the client is disconnected.
  Status Release();

 private:
  friend class PlasmaClient;
  ObjectRef(std::shared_ptr<PlasmaClient> client, std::shared_ptr<LocalObject> object)
      : client_(std::move(client)), object_(std::move(object)) {}
  std::shared_ptr<PlasmaClient> client_;
  std::shared_ptr<LocalObject> object_;
  bool released_ = false;
};

// Notifications of one subscribed connection. Owns its end of the notification socketpair.
class Subscription {
 public:
  explicit Subscription(int fd) : fd_(fd) {}
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  int fd() const { return fd_; }
  // Waits up to timeout_ms (0 = poll, -1 = forever) for the next notification. A frame can
  // carry several ObjectInfos (CreateAndSealBatch): they are queued and returned one by one.
  // kTimeout when none arrived, kDisconnected when the store closed the socket.
  Status Next(int64_t timeout_ms, ObjectInfo* out);

 private:
  Status ReadFrames(int64_t timeout_ms);
  std::mutex mutex_;
  int fd_;
  std::vector<uint8_t> buffer_;
  std::vector<ObjectInfo> queue_;
  size_t queue_head_ = 0;
  bool closed_ = false;
};

class PlasmaClient : public std::enable_shared_from_this<PlasmaClient> {
 public:
  // Connects to the store socket, retrying connect() num_retries times retry_delay_ms apart
  // (negative = libplasma's defaults, 80 x 100 ms), then performs the Connect handshake.
  static Status Connect(const std::string& socket_path, int num_retries, int64_t retry_delay_ms,
                        std::shared_ptr<PlasmaClient>* out);
  ~PlasmaClient();
  PlasmaClient(const PlasmaClient&) = delete;
  PlasmaClient& operator=(const PlasmaClient&) = delete;

  int64_t store_capacity() const { return store_capacity_; }
  bool connected();

  Status SetClientOptions(const std::string& client_name, int64_t output_memory_quota);

  // An unsealed object of data_size bytes with `metadata` copied in.
  Status Create(const ObjectId& id, int64_t data_size, const uint8_t* metadata,
                int64_t metadata_size, bool evict_if_full, std::unique_ptr<ObjectRef>* out);
  Status CreateAndSeal(const ObjectId& id, const uint8_t* data, int64_t data_size,
                       const uint8_t* metadata, int64_t metadata_size, bool evict_if_full);
  struct BatchItem {
    ObjectId id;
    const uint8_t* data = nullptr;
    int64_t data_size = 0;
    const uint8_t* metadata = nullptr;
    int64_t metadata_size = 0;
  };
  Status CreateAndSealBatch(const std::vector<BatchItem>& items, bool evict_if_full);

  // out gets one entry per id; nullptr for an object not available within timeout_ms.
  Status Get(const std::vector<ObjectId>& ids, int64_t timeout_ms,
             std::vector<std::unique_ptr<ObjectRef>>* out);
  Status Contains(const ObjectId& id, bool* has_object);
  // results[i]: kOk, kObjectNotFound, kObjectInUse (deleted when released) or kObjectNotSealed.
  Status Delete(const std::vector<ObjectId>& ids, std::vector<Code>* results);
  Status Evict(int64_t num_bytes, int64_t* num_bytes_freed);
  Status Refresh(const std::vector<ObjectId>& ids);
  Status Hash(const ObjectId& id, std::array<uint8_t, kDigestSize>* digest);
  Status List(std::vector<ObjectInfo>* objects);
  Status DebugString(std::string* out);
  // Subscribes this connection (once); notifications then arrive on the Subscription.
  Status Subscribe(std::unique_ptr<Subscription>* out);
  // Closes the connection; later calls return kDisconnected. Objects stay mapped.
  Status Disconnect();

 private:
  friend class ObjectRef;
  PlasmaClient(int fd, int64_t capacity);

  // source == nullptr: hash the object as it is; otherwise copy source in while hashing.
  Status SealObject(ObjectRef* ref, const uint8_t* source, int64_t source_size);
  Status AbortObject(ObjectRef* ref);
  Status ReleaseObject(ObjectRef* ref);

  // Everything below runs with mutex_ held.
  Status CheckConnected();
  Status Exchange(fb::MessageType request_type, const flatbuffers::FlatBufferBuilder& request,
                  fb::MessageType reply_type, std::vector<uint8_t>* reply);
  // The mapping for store_fd, receiving and mapping the fd that follows the reply if new.
  Status SegmentFor(int32_t store_fd, int64_t mmap_size, std::shared_ptr<Segment>* out);
  // A LocalObject for an object spec received from the store (bounds-checked).
  Status MakeLocalObject(const ObjectId& id, const fb::PlasmaObjectSpec& spec,
                         std::shared_ptr<Segment> segment, std::shared_ptr<LocalObject>* out);
  Status DropReference(const std::shared_ptr<LocalObject>& object);
  Status DeleteFromStore(const std::vector<ObjectId>& ids, std::vector<Code>* results);
  std::unique_ptr<ObjectRef> NewRef(std::shared_ptr<LocalObject> object);
  Status ProtocolError(const std::string& what);

  std::mutex mutex_;
  Connection connection_;
  int64_t store_capacity_;
  std::atomic<bool> disconnect_requested_{false};
  bool subscribed_ = false;
  std::unordered_map<int32_t, std::shared_ptr<Segment>> segments_;
  std::unordered_map<ObjectId, std::shared_ptr<LocalObject>> objects_;
  // Held ids whose Delete waits for the last local release (libplasma's deletion cache).
  std::unordered_map<ObjectId, bool> deferred_deletes_;
};

}  // namespace plasmasharp::client
