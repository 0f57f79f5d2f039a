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
//    Contains of any held object - also one created here and not sealed yet (true, from the
//    in-use table, where the store would answer false). Delete does not send ids this client
//    holds: they are deleted after their last release (reported as kObjectInUse).
//  - Segments mapped once per store_fd, on the first fd the store sends for it.
//
// Threads: one PlasmaClient may be used from many threads. Request/reply exchanges are
// serialized (one "request slot"), so a Get waiting on the store (timeout > 0 or -1) delays the
// other requests on the same client until it is answered - as in libplasma. Use one client per
// thread that needs to wait independently. Disconnect() does not wait: it wakes a blocked Get
// (which then returns kDisconnected).
// Releases never wait for the slot (the C# layer releases from .NET's single finalizer thread):
// the local count is kept under a small separate lock, and when the last local holder lets go
// while another thread holds the slot, the ReleaseRequest is queued and written by the slot's
// holder before its next request and before it gives the slot up. While the holder waits for a
// Get reply, a release of an id that Get does not ask for is written to the socket at once
// (ReleaseRequest has no reply and the store reads a connection's messages in order, also while
// its Get waits). A queued release of an id the waiting Get does ask for is held back until the
// reply: if the reply carries the object, the store's one reference now belongs to the Get's
// caller and the release is dropped; otherwise it is sent. So the store never sees a Release
// that would take away a reference a reply just handed out, nor one before the Create/Get that
// took it (a release exists only once that reply was read).
//
// Lifetime: objects (ObjectRef) keep the client's state and their segment mapping alive, so
// their pointers stay valid after Disconnect() and after the last PlasmaClient reference goes.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
// and every ObjectRef of the object; `count` and `created_here` are guarded by the client's
// state mutex (`sealed` is atomic).
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
  // Drops the reference; never fails because the client is disconnected, and never waits for
  // another thread's request (e.g. a Get waiting on the store): see "Threads" above.
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
  // True for an object this client holds, sealed or not (created here and not sealed yet):
  // answered locally as libplasma does; otherwise the store says whether it has it sealed.
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
  class RequestGuard;
  // A ReleaseRequest that waits for the request slot's holder to write it.
  struct PendingRelease {
    ObjectId id;
    bool delete_after = false;  // a Delete deferred until this release (deletion cache)
  };
  PlasmaClient(int fd, int64_t capacity);

  // source == nullptr: hash the object as it is; otherwise copy source in while hashing.
  Status SealObject(ObjectRef* ref, const uint8_t* source, int64_t source_size);
  Status AbortObject(ObjectRef* ref);
  Status ReleaseObject(ObjectRef* ref);

  // The request slot (request_slot.cc). Acquire waits until no other thread holds it; Release
  // writes every queued ReleaseRequest, then frees it.
  void AcquireSlot();
  void ReleaseSlot();
  // Drops one local reference (state_mutex_ held). True when it was the last one and the
  // store must hear a ReleaseRequest: then *pending describes it.
  bool DropLocalReference(const std::shared_ptr<LocalObject>& object, PendingRelease* pending);
  // Writes one ReleaseRequest (takes write_mutex_ unless the caller holds it).
  Status SendRelease(const ObjectId& id);
  // Sends a request while holding write_mutex_ (the socket is shared with direct releases).
  Status SendRequest(fb::MessageType type, const flatbuffers::FlatBufferBuilder& request);

  // Everything below runs in the request slot.
  Status CheckConnected();
  // Writes every queued release (and the deferred Deletes they carry), oldest first.
  void FlushReleases();
  // Flushes queued releases, then sends the request and reads the reply.
  Status Exchange(fb::MessageType request_type, const flatbuffers::FlatBufferBuilder& request,
                  fb::MessageType reply_type, std::vector<uint8_t>* reply);
  // Sends and reads without flushing first (used by the flush itself).
  Status RawExchange(fb::MessageType request_type, const flatbuffers::FlatBufferBuilder& request,
                     fb::MessageType reply_type, std::vector<uint8_t>* reply);
  // The mapping for store_fd, receiving and mapping the fd that follows the reply if new.
  Status SegmentFor(int32_t store_fd, int64_t mmap_size, std::shared_ptr<Segment>* out);
  // A LocalObject for an object spec received from the store (bounds-checked).
  Status MakeLocalObject(const ObjectId& id, const fb::PlasmaObjectSpec& spec,
                         std::shared_ptr<Segment> segment, std::shared_ptr<LocalObject>* out);
  Status DeleteFromStore(const std::vector<ObjectId>& ids, std::vector<Code>* results);
  std::unique_ptr<ObjectRef> NewRef(std::shared_ptr<LocalObject> object);
  Status ProtocolError(const std::string& what);

  Connection connection_;
  int64_t store_capacity_;
  std::atomic<bool> disconnect_requested_{false};
  // Used only by the request slot's holder.
  bool subscribed_ = false;
  std::unordered_map<int32_t, std::shared_ptr<Segment>> segments_;

  // Guards everything below it. Held only for bookkeeping, never across a wait on the store.
  std::mutex state_mutex_;
  std::condition_variable slot_free_;
  bool slot_busy_ = false;
  std::unordered_map<ObjectId, std::shared_ptr<LocalObject>> objects_;
  // Held ids whose Delete waits for the last local release (libplasma's deletion cache).
  std::unordered_map<ObjectId, bool> deferred_deletes_;
  std::vector<PendingRelease> pending_releases_;
  // Set while the slot's holder waits for a GetReply: the ids that Get asked for.
  bool get_waiting_ = false;
  std::unordered_set<ObjectId> waiting_get_ids_;

  // Serializes writes on the socket (the slot's holder, releases written during a Get) and
  // closing it. Lock order: state_mutex_ before write_mutex_.
  std::mutex write_mutex_;
};

}  // namespace plasmasharp::client
