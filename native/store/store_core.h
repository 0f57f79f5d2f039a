// The request-handling core of the store, free of sockets so it can be unit-tested and fuzzed.
//
// The event loop (event_loop.h) owns the sockets; ConnectionInput (connection_input.h) turns
// each connection's byte stream into whole messages and calls HandleMessage(connection, type,
// payload, fds) (tests and fuzzers can do the same without sockets). The core updates the
// object table and writes replies, fds to pass and notification frames into per-connection
// Outboxes, and marks connections to close. The loop then drains the outboxes (TakeDirty) and closes what the core
// asked for (ShouldClose), calling RemoveConnection for it. Timers (Get timeouts) are driven
// by NextDeadline / ProcessTimers.
//
// Nothing a client sends can crash the core: every payload is verified with the flatbuffers
// Verifier before it is read; a malformed request gets an error reply when its reply type has
// an error field and otherwise closes that one connection (with one line on stderr).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client_state.h"
#include "eviction_policy.h"
#include "external/external_store.h"
#include "message_builders.h"
#include "object_table.h"
#include "region_allocator.h"
#include "shared_segment.h"
#include "spill_stats.h"
#include "spill_worker.h"
#include "store_limits.h"
#include "wire.h"

namespace plasmasharp::store {

using Clock = std::chrono::steady_clock;

struct PendingGet {
  ConnectionId client = kNoConnection;
  std::vector<ObjectId> ids;                 // in request order (duplicates kept)
  std::unordered_set<ObjectEntry*> found;    // sealed objects this request holds
  std::vector<ObjectId> missing;             // distinct ids still awaited
  size_t missing_count = 0;                  // how many of `missing` are not sealed yet
  std::optional<Clock::time_point> deadline;
};

class StoreCore {
 public:
  // `segment` must outlive the core. Capacity = bytes of object data the store may hold.
  // The core applies the per-request limits (max_pending_gets, max_get_ids); the event loop
  // applies the per-connection ones (max_clients, allowed_uids).
  // `external_store` (optional, -e) must outlive the core too: eviction spills to it.
  StoreCore(int64_t capacity, SharedSegment* segment, StoreLimits limits = {},
            ExternalStore* external_store = nullptr);
  ~StoreCore();
  StoreCore(const StoreCore&) = delete;
  StoreCore& operator=(const StoreCore&) = delete;

  // ---- frame level (called by the loop before it buffers a payload) ----
  // Largest payload accepted: CreateAndSeal(Batch) carry data inline, so capacity + room for
  // ids, digests and flatbuffers overhead.
  uint64_t MaxPayloadLength() const;
  // Bytes that follow a message of `type` and carry passed fds (1 after SubscribeRequest).
  static size_t CarrierBytesAfter(int64_t type);
  // Version, type and length check. False = the connection was marked for closing.
  bool AcceptHeader(ConnectionId id, const protocol::Header& header);

  // ---- connections ----
  ConnectionId AddConnection();
  // One complete message. The core owns `fds` (closes those it does not keep). `payload` may
  // be at any address: a misaligned one is copied to an aligned buffer before it is read.
  // False = not handled yet: it needs memory a spill write is freeing, or an object a restore
  // is reading (-e with a spill thread). The connection is parked (IsParked) and the caller
  // hands the same message over again once CompleteSpillIo lists the connection.
  // A request handler (see Handle below); null from FindHandler: not a request the store answers.
  using Handler = void (StoreCore::*)(ClientState&, const uint8_t*, size_t, std::vector<int>&);
  static Handler FindHandler(int64_t type);

  bool HandleMessage(ConnectionId id, int64_t type, const uint8_t* payload, size_t length,
                     std::vector<int> fds);
  bool IsParked(ConnectionId id) const;
  // EOF, error or a close the core asked for: clean up everything the client had.
  void RemoveConnection(ConnectionId id);
  // The subscriber's notification socket failed or overflowed: stop notifying it.
  void DropNotifications(ConnectionId id);

  // ---- timers ----
  std::optional<Clock::time_point> NextDeadline() const;
  void ProcessTimers(Clock::time_point now);

  // ---- what the loop drains ----
  ClientState* client(ConnectionId id);
  bool ShouldClose(ConnectionId id) const;
  std::vector<ConnectionId> TakeDirty();
  std::vector<int> TakeRetiredFds();

  // ---- spilling (-e), spilling.cc ----
  // Runs the external store's I/O on a thread from now on; `wake` (called on that thread) must
  // make the loop call CompleteSpillIo. Without it the I/O runs inline (tests, fuzzers).
  void StartSpillThread(std::function<void()> wake);
  void StopSpillThread();  // before the loop goes; later I/O runs inline
  // Applies finished spill I/O; returns the parked connections to hand their message again.
  std::vector<ConnectionId> CompleteSpillIo();
  // Objects an earlier store left in the external store (--spill-keep): spilled entries again.
  void AdoptRecovered(const std::vector<RecoveredObject>& objects);
  // --spill-limit: at most this many bytes spilled (0 = no limit); past it eviction drops.
  void SetSpillLimit(uint64_t bytes) { spill_limit_ = bytes; }
  const SpillStats& spill_stats() const { return spill_stats_; }

  // ---- inspection (tests, debug string) ----
  const ObjectTable& objects() const { return objects_; }
  int64_t allocated_bytes() const { return allocated_bytes_; }
  int64_t capacity() const { return capacity_; }
  const StoreLimits& limits() const { return limits_; }
  size_t connection_count() const { return clients_.size(); }

 private:
  // ---- requests: one handler per message type, each in its own file under handlers/ ----
  // A handler is the specialization Handle<type> that handlers/handle_*.cc defines and
  // registers with PS_STORE_HANDLER(type) below it, so a new request type touches no other
  // store file (CMake globs handlers/). `fds`: descriptors that came with the message (only
  // Subscribe keeps one; HandleMessage closes the rest).
  template <fb::MessageType Type>
  void Handle(ClientState& c, const uint8_t* p, size_t n, std::vector<int>& fds);
  friend class HandlerRegistration;
  // Tells every watching connection of the ids in `ids` that no entry exists for (unsealed ones
  // are being written here already); `timeout_ms` is the waiting Get's.
  void AnnounceMissing(const std::vector<ObjectId>& ids, int64_t timeout_ms);

  // object_lifecycle.cc
  fb::PlasmaError CreateObject(ClientState& c, const ObjectId& id, uint64_t data_size,
                               uint64_t metadata_size, bool evict_if_full, int device_num,
                               ObjectEntry** out);
  std::optional<uint64_t> AllocateWithEviction(ClientState& c, uint64_t size, bool evict_if_full);
  // The global LRU part of AllocateWithEviction (no quota): evicts until `size` fits or
  // nothing evictable is left.
  std::optional<uint64_t> AllocateEvictingGlobally(uint64_t size);
  // Spills the victims to the external store when there is one (true: a write started; their
  // memory is free once it is done), else deletes each with a notification.
  bool EvictObjects(const std::vector<ObjectEntry*>& victims);

  // spilling.cc (only with an external store)
  // Starts writing the victims out as one batch (their memory is freed when the write is done;
  // no notification); those past --spill-limit are deleted instead. True if a write started
  // (or a victim's earlier write is still running).
  bool SpillObjects(const std::vector<ObjectEntry*>& victims);
  // Starts reading a spilled object back into a new block (evicting others if needed); it
  // comes back as if it had been sealed there all along, no notification. False (with a log
  // line) = it cannot come back now; true = restored, or on its way (awaiting_spill_ set).
  bool RestoreObject(ObjectEntry* entry);
  // The write or read for `key` is done: apply it (spilling.cc).
  void FinishSpillWrite(const SpillJob& job);
  void FinishRestore(const SpillJob& job);
  // Drops an entry's external side when it is erased (EraseObject). True = the entry's block
  // is busy with I/O and is freed when that ends (the caller must not free it).
  bool ForgetSpill(ObjectEntry* entry);
  void DeleteSpillCopy(uint64_t key);
  void FreeOrphanBlock(uint64_t key);  // the I/O for an erased entry's block is done
  // Without a spill thread: applies the jobs a request ran inline (e.g. an EvictRequest's
  // writes), so between two messages no block waits for its I/O to be applied.
  void SettleInlineSpillIo();
  // A handler found it must wait for spill I/O: HandleMessage parks the connection.
  void AwaitSpillIo() { awaiting_spill_ = true; }
  // Spill writes are in flight: with inline I/O they are done, so apply them (true: allocate
  // again); with a spill thread the request must wait (false, awaiting_spill_ set).
  bool WaitForSpillWrites();
  // Seals, notifies subscribers (one frame for all) and wakes Gets waiting for them.
  void SealObjects(const std::vector<ObjectEntry*>& entries, const std::vector<std::string>& digests);
  void AbortObject(ObjectEntry* entry);  // frees an unsealed object, no notification
  // Deletes a sealed, unreferenced object and notifies subscribers.
  void DeleteObject(ObjectEntry* entry);
  void EraseObject(ObjectEntry* entry);  // frees memory, drops the entry (no notification)
  void AddReference(ClientState& c, ObjectEntry* entry);
  void DropReference(ClientState& c, ObjectEntry* entry);

  // get_requests.cc
  void RegisterGet(std::unique_ptr<PendingGet> get);
  void OnObjectSealed(ObjectEntry* entry);
  void CompleteGet(PendingGet* get);  // replies and forgets the request
  void ForgetGet(PendingGet* get);    // unlinks from waiters, timers and its client
  void SendGetReply(ClientState& c, const std::vector<ObjectId>& ids,
                    const std::unordered_set<ObjectEntry*>& found);

  // notifications / output
  void Reply(ClientState& c, fb::MessageType type, const flatbuffers::FlatBufferBuilder& b);
  void PassSegmentFd(ClientState& c, int segment_fd);  // queued only if not yet sent
  // Sends build()'s frame to every subscriber; builds it only if there is one (the frame of a
  // seal cost ~14% of the store's instructions per Create+Seal+Release with nobody subscribed).
  void Broadcast(const std::function<std::vector<uint8_t>()>& build);
  void Notify(ClientState& c, std::vector<uint8_t> frame);
  void MarkDirty(ClientState& c) { dirty_.insert(c.id); }
  // Marks the connection for closing, logging why (one line).
  void Drop(ClientState& c, const std::string& why);
  void LogLine(const ClientState& c, const std::string& text) const;

  int64_t capacity_;
  SharedSegment* segment_;
  StoreLimits limits_;
  ExternalStore* external_store_;  // nullptr without -e
  // -e, spilling.cc
  std::unique_ptr<SpillWorker> spill_worker_;
  uint64_t next_spill_key_ = 1;
  uint64_t spill_limit_ = 0;
  uint64_t writing_bytes_ = 0;  // bytes of writes in flight (count against the limit)
  size_t writes_in_flight_ = 0;
  std::unordered_map<uint64_t, ObjectEntry*> spill_io_;  // key -> entry whose I/O runs
  // key -> block of an entry erased while its I/O ran (allocator offset, size): freed after.
  std::unordered_map<uint64_t, std::pair<uint64_t, uint64_t>> orphan_blocks_;
  std::unordered_set<ObjectEntry*> spill_failed_;
  std::unordered_set<ConnectionId> parked_;
  bool awaiting_spill_ = false;
  SpillStats spill_stats_;
  // Flatbuffers reads its scalars in place, so payloads must be 8-byte aligned; a payload that
  // follows an odd-length one in the input buffer is copied here first.
  std::vector<uint64_t> aligned_payload_;
  RegionAllocator allocator_;
  EvictionPolicy policy_;
  ObjectTable objects_;
  int64_t allocated_bytes_ = 0;  // sum of object sizes (the debug string's "allocated bytes")
  ConnectionId next_id_ = 1;
  std::unordered_map<ConnectionId, std::unique_ptr<ClientState>> clients_;
  std::unordered_map<ObjectId, std::vector<PendingGet*>, ObjectIdHash> waiting_for_id_;
  std::multiset<std::pair<Clock::time_point, PendingGet*>> timers_;
  std::unordered_set<ConnectionId> dirty_;
  std::unordered_set<ConnectionId> missing_watchers_;
  std::vector<int> retired_fds_;
  std::unordered_map<PendingGet*, std::unique_ptr<PendingGet>> gets_;
};

// The dispatch table entry of one handler, made at static initialization by PS_STORE_HANDLER in
// the handler's own file (ps_store_lib is an OBJECT library, so every handler file is linked
// wherever the store is). Two handlers for one message type stop the program at start.
class HandlerRegistration {
 public:
  template <fb::MessageType Type>
  static HandlerRegistration For(const char* file) {
    return HandlerRegistration(Type, &StoreCore::Handle<Type>, file);
  }

 private:
  HandlerRegistration(fb::MessageType type, StoreCore::Handler handler, const char* file);
};

#define PS_STORE_HANDLER(TYPE)                                                        \
  [[maybe_unused]] static const ::plasmasharp::store::HandlerRegistration kRegistered = \
      ::plasmasharp::store::HandlerRegistration::For<TYPE>(__FILE__)

}  // namespace plasmasharp::store
