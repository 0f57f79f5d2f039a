#include "store_core.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace plasmasharp::store {

namespace {

// Room beyond the object bytes for ids, digests and flatbuffers overhead in CreateAndSeal(Batch).
constexpr uint64_t kPayloadOverhead = uint64_t{16} << 20;

// Message type -> handler, filled by the HandlerRegistrations of handlers/*.cc before main.
std::unordered_map<int64_t, StoreCore::Handler>& HandlerTable() {
  static std::unordered_map<int64_t, StoreCore::Handler> table;
  return table;
}

}  // namespace

HandlerRegistration::HandlerRegistration(fb::MessageType type, StoreCore::Handler handler,
                                         const char* file) {
  if (!HandlerTable().emplace(static_cast<int64_t>(type), handler).second) {
    std::fprintf(stderr, "plasma-store: %s registers a second handler for message type %lld\n",
                 file, static_cast<long long>(type));
    std::abort();
  }
}

StoreCore::Handler StoreCore::FindHandler(int64_t type) {
  auto it = HandlerTable().find(type);
  return it == HandlerTable().end() ? nullptr : it->second;
}

StoreCore::StoreCore(int64_t capacity, SharedSegment* segment, StoreLimits limits,
                     ExternalStore* external_store)
    : capacity_(capacity),
      segment_(segment),
      limits_(std::move(limits)),
      external_store_(external_store),
      allocator_(static_cast<uint64_t>(capacity)),
      policy_(capacity) {
  if (external_store_ != nullptr) spill_worker_ = std::make_unique<SpillWorker>(external_store_);
}

StoreCore::~StoreCore() {
  if (spill_worker_) spill_worker_->StopThread();  // no I/O into the segment after this
  for (auto& kv : clients_) {
    if (kv.second->notify_fd >= 0) ::close(kv.second->notify_fd);
  }
  for (int fd : retired_fds_) ::close(fd);
}

uint64_t StoreCore::MaxPayloadLength() const {
  return static_cast<uint64_t>(capacity_) + kPayloadOverhead;
}

size_t StoreCore::CarrierBytesAfter(int64_t type) {
  return type == static_cast<int64_t>(fb::MessageType::PlasmaSubscribeRequest) ? 1 : 0;
}

bool StoreCore::AcceptHeader(ConnectionId id, const protocol::Header& h) {
  ClientState* c = client(id);
  if (c == nullptr) return false;
  if (h.version != protocol::kProtocolVersion) {
    Drop(*c, "protocol version " + std::to_string(h.version) + " (only 0 exists)");
    return false;
  }
  if (FindHandler(h.type) == nullptr) {
    const char* name = protocol::MessageTypeName(h.type);
    Drop(*c, "message type " + std::to_string(h.type) + (name ? std::string(" (") + name + ")" : "") +
                 " is not a request the store answers");
    return false;
  }
  if (h.length < 0 || static_cast<uint64_t>(h.length) > MaxPayloadLength()) {
    Drop(*c, "payload length " + std::to_string(h.length) + " outside [0, " +
                 std::to_string(MaxPayloadLength()) + "]");
    return false;
  }
  return true;
}

ConnectionId StoreCore::AddConnection() {
  auto c = std::make_unique<ClientState>();
  c->id = next_id_++;
  ConnectionId id = c->id;
  clients_[id] = std::move(c);
  return id;
}

ClientState* StoreCore::client(ConnectionId id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.get();
}

bool StoreCore::ShouldClose(ConnectionId id) const {
  auto it = clients_.find(id);
  return it == clients_.end() || it->second->close_requested;
}

std::vector<ConnectionId> StoreCore::TakeDirty() {
  std::vector<ConnectionId> out(dirty_.begin(), dirty_.end());
  dirty_.clear();
  return out;
}

std::vector<int> StoreCore::TakeRetiredFds() {
  std::vector<int> out;
  out.swap(retired_fds_);
  return out;
}

bool StoreCore::HandleMessage(ConnectionId id, int64_t type, const uint8_t* p, size_t n,
                              std::vector<int> fds) {
  ClientState* cp = client(id);
  if (cp == nullptr || cp->close_requested) {
    for (int fd : fds) ::close(fd);
    return true;
  }
  ClientState& c = *cp;
  protocol::Header h{protocol::kProtocolVersion, type, static_cast<int64_t>(n)};
  if (!AcceptHeader(id, h)) {
    for (int fd : fds) ::close(fd);
    return true;
  }
  if (n > 0 && reinterpret_cast<uintptr_t>(p) % alignof(uint64_t) != 0) {
    aligned_payload_.resize((n + sizeof(uint64_t) - 1) / sizeof(uint64_t));
    std::memcpy(aligned_payload_.data(), p, n);
    p = reinterpret_cast<const uint8_t*>(aligned_payload_.data());
  }
  awaiting_spill_ = false;
  (this->*FindHandler(type))(c, p, n, fds);
  // Descriptors that came with a message that does not take one are not ours to keep.
  for (int fd : fds) ::close(fd);
  // Do not keep a big inline-data copy around between messages.
  if (aligned_payload_.capacity() > (size_t{1} << 17)) std::vector<uint64_t>().swap(aligned_payload_);
  SettleInlineSpillIo();
  if (awaiting_spill_) {  // -e: waits for spill I/O (spilling.cc); delivered again after it
    awaiting_spill_ = false;
    parked_.insert(id);
    return false;
  }
  return true;
}

void StoreCore::RemoveConnection(ConnectionId id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  ClientState& c = *it->second;
  // Pending Gets first, so releasing references below cannot wake them.
  while (!c.pending_gets.empty()) ForgetGet(c.pending_gets.back());
  // Its quota goes back to the global LRU first, as in the real store: what it still uses
  // then ends like any other ordinary object below.
  policy_.ClientDisconnected(id);
  // Objects it was still writing are aborted.
  std::vector<ObjectEntry*> unsealed(c.created_unsealed.begin(), c.created_unsealed.end());
  for (ObjectEntry* e : unsealed) AbortObject(e);
  // Its references are released (this may complete deferred deletions).
  std::vector<ObjectEntry*> held(c.held.begin(), c.held.end());
  for (ObjectEntry* e : held) DropReference(c, e);
  if (c.notify_fd >= 0) {
    retired_fds_.push_back(c.notify_fd);
    c.notify_fd = -1;
  }
  dirty_.erase(id);
  parked_.erase(id);
  missing_watchers_.erase(id);
  clients_.erase(it);
}

void StoreCore::DropNotifications(ConnectionId id) {
  ClientState* c = client(id);
  if (c == nullptr || c->notify_fd < 0) return;
  retired_fds_.push_back(c->notify_fd);
  c->notify_fd = -1;
  c->notify_out.Clear();
}

void StoreCore::Reply(ClientState& c, fb::MessageType type, const flatbuffers::FlatBufferBuilder& b) {
  c.out.PushBytes(Frame(type, b));
  MarkDirty(c);
}

void StoreCore::PassSegmentFd(ClientState& c, int segment_fd) {
  if (c.segments_sent.insert(segment_fd).second) {
    c.out.PushFd(segment_fd);
    MarkDirty(c);
  }
}

void StoreCore::Notify(ClientState& c, std::vector<uint8_t> frame) {
  if (c.notify_fd < 0) return;
  c.notify_out.PushBytes(std::move(frame));
  MarkDirty(c);
}

void StoreCore::Broadcast(const std::function<std::vector<uint8_t>()>& build) {
  std::vector<uint8_t> frame;
  for (auto& kv : clients_) {
    if (kv.second->notify_fd < 0) continue;
    if (frame.empty()) frame = build();
    Notify(*kv.second, frame);
  }
}

void StoreCore::Drop(ClientState& c, const std::string& why) {
  if (!c.close_requested) LogLine(c, why + "; closing this connection");
  c.close_requested = true;
  MarkDirty(c);
}

void StoreCore::LogLine(const ClientState& c, const std::string& text) const {
  std::fprintf(stderr, "plasma-store: client %llu: %s\n", static_cast<unsigned long long>(c.id),
               text.c_str());
}

}  // namespace plasmasharp::store
