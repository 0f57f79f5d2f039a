// The store side of transparent cluster Gets (protocol/wire.h, kWatchMissingRequest): a node
// agent's connection asks to hear which ids local Gets wait for and the store does not have,
// so the node can pull them from other nodes; the waiting Get then returns when the pulled
// object's Seal lands, like any local seal. Real Plasma clients never send this type, so
// nothing here changes what they see. The client side is client/missing_watch.h (the cluster
// reads it through ps_missing_watch_next).
#include <cstring>

#include "store_core.h"

namespace plasmasharp::store {

namespace {
constexpr auto kWatchMissing = static_cast<fb::MessageType>(protocol::kWatchMissingRequest);
}  // namespace

template <>
void StoreCore::Handle<kWatchMissing>(
    ClientState& c, const uint8_t* /*p*/, size_t n, std::vector<int>& /*fds*/) {
  if (n != 0) {
    Drop(c, "WatchMissingRequest with a payload (it has none)");
    return;
  }
  c.watches_missing = true;
  missing_watchers_.insert(c.id);
}
PS_STORE_HANDLER(kWatchMissing);

void StoreCore::AnnounceMissing(const std::vector<ObjectId>& ids, int64_t timeout_ms) {
  if (missing_watchers_.empty()) return;
  std::vector<const ObjectId*> absent;
  for (const ObjectId& id : ids) {
    if (objects_.Find(id) == nullptr) absent.push_back(&id);  // unsealed here = already coming
  }
  if (absent.empty()) return;
  protocol::Header h;
  h.type = protocol::kMissingObjectsNotice;
  h.length = static_cast<int64_t>(sizeof(int64_t) + absent.size() * protocol::kObjectIdSize);
  std::vector<uint8_t> frame(protocol::kHeaderSize + static_cast<size_t>(h.length));
  protocol::EncodeHeader(h, frame.data());
  uint8_t* out = frame.data() + protocol::kHeaderSize;
  std::memcpy(out, &timeout_ms, sizeof(timeout_ms));
  out += sizeof(timeout_ms);
  for (const ObjectId* id : absent) {
    std::memcpy(out, id->bytes.data(), protocol::kObjectIdSize);
    out += protocol::kObjectIdSize;
  }
  for (ConnectionId watcher : missing_watchers_) {
    ClientState* w = client(watcher);
    if (w == nullptr) continue;
    w->out.PushBytes(frame);
    MarkDirty(*w);
  }
}

}  // namespace plasmasharp::store
