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
// Threads: one PlasmaClient may be used from many threads, over its one connection (so every
// object it holds is held by one store connection, and each call's messages are what libplasma
// sends). Requests are pipelined: each thread writes its request (writes are serialized) and
// waits for its own reply, so a Get waiting on the store (timeout != 0) does not delay other
// calls. The store answers every request in order except a waiting Get, answered at seal or
// timeout; replies are routed to their callers by that rule (request_flow.cc): a GetReply
// belongs to the waiting Get when it lists the waiting Get's ids, else to the oldest request.
// At most one waiting Get is on the wire per client - the real Arrow 11 store aborts when a
// connection with two waiting Gets disconnects (a CHECK on its pending-get list) - so a second
// one waits for the first, and a timeout-0 Get for exactly the ids of the waiting one waits
// too (their replies could not be told apart). Disconnect() does not wait: it wakes every
// waiting call (they return kDisconnected).
// Releases never wait for another thread's request (the C# layer releases from .NET's single
// finalizer thread): when the last local holder lets go, the ReleaseRequest is written at once,
// or - while another thread is writing - by that writer before it lets the socket go. A release
// of an id that a Get on the wire asks for is held back until that Get's reply: if the reply
// carries the object, the store's one reference now belongs to the Get's caller and the
// release is dropped; otherwise it is sent. So the store never sees a Release that would take
// away a reference a reply just handed out, nor one before the Create/Get that took it (a
// release exists only once that reply was read).
//
// Lifetime: objects (ObjectRef) keep the client's state and their segment mapping alive, so
// their pointers stay valid after Disconnect() and after the last PlasmaClient reference goes.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
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

// An object id: 20 raw bytes (kept in a std::string for hashing and maps).
using protocol::kObjectIdSize;
using ObjectId = std::string;
static_assert(kDigestSize == protocol::kDigestSize, "the client's digest is the wire's");

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
  bool is_spilled = false;  // List from our store with -e: in the external store, not in memory
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
  bool finishing = false;     // its Seal or Abort is on the wire (a second one is refused)
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
  // Seals with a digest the caller computed while writing the data (a StreamingDigest that
  // hashed exactly data_size() bytes); the metadata is added here.
  Status SealWithDigest(StreamingDigest* digest);
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
  // A ReleaseRequest waiting to be written.
  struct PendingRelease {
    ObjectId id;
    bool delete_after = false;  // a Delete deferred until this release (deletion cache)
  };
  // A request on the wire whose reply has not been handled yet (request_flow.cc).
  struct PendingReply {
    fb::MessageType expected = fb::MessageType::PlasmaDisconnectClient;
    const std::vector<ObjectId>* get_ids = nullptr;  // a Get's ids, to route its reply
    bool arrived = false;  // payload is the reply, and the read turn passed to its caller
    int64_t type = 0;
    std::vector<uint8_t> payload;
    std::condition_variable cv;  // its caller waits here (for the reply or the read turn)
  };
  class ReadTurn;
  PlasmaClient(int fd, int64_t capacity);

  // One request: sends it, waits for its reply, verifies it as a Reply, maps its PlasmaError
  // (if it has one), then runs on_reply(const Reply&) -> Status, still holding the read turn
  // (so it may receive the fds that follow the reply). Defined in plasma_client.cc.
  // waiting_get_ids: set for a Get that may wait (its reply is routed by these ids).
  template <typename Reply, typename OnReply>
  Status Request(const flatbuffers::FlatBufferBuilder& request, OnReply&& on_reply,
                 const std::vector<ObjectId>* waiting_get_ids = nullptr);
  template <typename Reply>
  Status Request(const flatbuffers::FlatBufferBuilder& request);

  // source == nullptr: hash the object as it is; otherwise copy source in while hashing.
  // streamed != nullptr: seal with that digest (fed while the data was written).
  Status SealObject(ObjectRef* ref, const uint8_t* source, int64_t source_size,
                    StreamingDigest* streamed = nullptr);
  Status AbortObject(ObjectRef* ref);
  Status ReleaseObject(ObjectRef* ref);

  // ---- request_flow.cc: writing requests and releases, routing replies.
  // Writes `request` and registers `pending` for its reply, in wire order (floating: the reply
  // of a waiting Get, which may come after later requests' replies).
  Status Send(fb::MessageType type, const flatbuffers::FlatBufferBuilder& request,
              PendingReply* pending, bool floating);
  // Waits until `pending`'s reply has arrived, reading replies (and passing on those of other
  // threads) while nobody else reads. On success the caller holds the read turn (ReadTurn).
  Status AwaitReply(PendingReply* pending);
  // Lets the next reader read (after a reply and the fds that follow it were handled).
  void FinishReading();
  // Ends all reading after the stream was lost: every waiting caller returns `status` (or an
  // earlier failure), and so does every later one (state held).
  void Fail(const Status& status);
  // Wakes the caller whose reply comes next (the oldest request's, else the waiting Get's):
  // it reads it itself, so no reply takes a detour through another thread (state held).
  void WakeNextReader();
  // A waiting Get's caller waits for the socket to become readable without holding the read
  // turn, so the callers of later requests read their own replies (state held via `lock`).
  // True when the socket polled readable; false when WakePoller woke it (another reader may
  // have read its reply into the connection's buffer along with its own).
  bool PollForWaitingGet(std::unique_lock<std::mutex>& lock);
  // Wakes a caller in PollForWaitingGet (state held): a reader that let go of the read turn
  // may have buffered bytes the poll on the socket cannot see.
  void WakePoller();
  // Unregisters a request whose reply will never be read by its caller (its send failed).
  void Abandon(PendingReply* pending);
  // The caller of the reply just read: the waiting Get or the oldest request (state held).
  bool RouteReply(int64_t type, const std::vector<uint8_t>& payload, PendingReply** owner);
  // Drops one local reference (state_mutex_ held). True when it was the last one and the
  // store must hear a ReleaseRequest: then *pending describes it.
  bool DropLocalReference(const std::shared_ptr<LocalObject>& object, PendingRelease* pending);
  // Queues a ReleaseRequest (held while a Get on the wire asks for its id) and writes it now
  // unless another thread is writing. Takes `state` (state_mutex_, locked) and unlocks it.
  void QueueRelease(PendingRelease release, std::unique_lock<std::mutex> state);
  // With write_mutex_ held: writes every ready release, and the Delete deferred to it, whose
  // reply is registered in `deletes` (the writing thread awaits those: AwaitDeletes).
  void WriteReadyReleases(std::list<PendingReply>* deletes);
  // Writes ready releases, lets go of write_mutex_ once none is left, then awaits the replies
  // of the deferred Deletes written (these and `deletes`).
  void UnlockWriter(std::unique_lock<std::mutex> write, std::list<PendingReply> deletes = {});
  void AwaitDeletes(std::list<PendingReply>* deletes);
  // After a Get's reply: its ids leave the wire, held releases are dropped or made ready.
  void GetAnswered(const std::vector<ObjectId>& ids, bool floating);

  Status CheckConnected();
  // The mapping for store_fd, receiving and mapping the fd that follows the reply if new
  // (read turn held).
  Status SegmentFor(int32_t store_fd, int64_t mmap_size, std::shared_ptr<Segment>* out);
  // A LocalObject for an object spec received from the store (bounds-checked).
  Status MakeLocalObject(const ObjectId& id, const fb::PlasmaObjectSpec& spec,
                         std::shared_ptr<Segment> segment, std::shared_ptr<LocalObject>* out);
  Status DeleteFromStore(const std::vector<ObjectId>& ids, std::vector<Code>* results);
  // Takes a reference to every object of a GetReply (read turn held); see Get.
  Status TakeGetReply(const std::vector<ObjectId>& ids, const fb::PlasmaGetReply& reply,
                      std::vector<std::unique_ptr<ObjectRef>>* out);
  Status ReadObjectInfos(const fb::PlasmaListReply& reply, std::vector<ObjectInfo>* objects);
  std::unique_ptr<ObjectRef> NewRef(std::shared_ptr<LocalObject> object);
  Status ProtocolError(const std::string& what);

  Connection connection_;
  int64_t store_capacity_;
  std::atomic<bool> disconnect_requested_{false};
  // Used only by the read turn's holder.
  std::unordered_map<int32_t, std::shared_ptr<Segment>> segments_;

  // Guards everything below it. Held only for bookkeeping, never across a wait on the store.
  // Lock order: write_mutex_ before state_mutex_; with state_mutex_ held write_mutex_ is only
  // ever try_lock()ed.
  std::mutex state_mutex_;
  std::condition_variable changed_;  // the Get lane freed; the read turn freed (for Disconnect)
  std::unordered_map<ObjectId, std::shared_ptr<LocalObject>> objects_;
  // Held ids whose Delete waits for the last local release (libplasma's deletion cache).
  std::unordered_map<ObjectId, bool> deferred_deletes_;
  std::vector<PendingRelease> ready_releases_;  // written by whoever holds write_mutex_ next
  std::vector<PendingRelease> held_releases_;   // their ids are asked for by a Get on the wire
  std::unordered_multiset<ObjectId> get_ids_on_wire_;
  bool subscribed_ = false;
  // Replies in the order the store sends them, and the waiting Get's (answered at any time).
  std::deque<PendingReply*> in_order_;
  PendingReply* floating_ = nullptr;
  bool lane_busy_ = false;  // a waiting Get is on the wire (or about to be)
  const std::vector<ObjectId>* lane_ids_ = nullptr;
  std::vector<const std::vector<ObjectId>*> in_order_gets_;  // ids of timeout-0 Gets on the wire
  bool reading_ = false;  // someone reads replies, or handles the one just read
  int pollers_ = 0;       // threads in PollForWaitingGet (Disconnect closes the fd after them)
  int wake_fd_ = -1;      // eventfd polled beside the socket by PollForWaitingGet (WakePoller)
  Status failure_;        // once the connection failed: every waiting caller returns it

  // Serializes writes on the socket and closing it.
  std::mutex write_mutex_;
};

}  // namespace plasmasharp::client
