// GetRequest{object_ids, timeout_ms} -> GetReply, now or later. Sealed objects are found (the
// connection takes its one reference); the others are awaited: timeout 0 answers at once,
// -1 waits for every id, > 0 answers when all are sealed or at the deadline. The reply lists
// every requested id in request order; a missing one has data_size -1. A spilled object
// (-e) is read back into memory first (spilling.cc). Limits (store_limits.h):
// more ids than max_get_ids, or a Get that would wait beyond max_pending_gets per connection,
// closes the connection.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaGetRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaGetRequest>(p, n);
  if (req == nullptr || req->object_ids() == nullptr) {
    Drop(c, "GetRequest is not a valid flatbuffer or has no object_ids");
    return;
  }
  if (limits_.max_get_ids != 0 && req->object_ids()->size() > limits_.max_get_ids) {
    Drop(c, "GetRequest with " + std::to_string(req->object_ids()->size()) +
                " ids, more than --max-get-ids " + std::to_string(limits_.max_get_ids));
    return;
  }
  auto get = std::make_unique<PendingGet>();
  get->client = c.id;
  std::unordered_set<ObjectId, ObjectIdHash> seen;
  for (const flatbuffers::String* s : *req->object_ids()) {
    std::optional<ObjectId> id = ObjectId::FromWire(s);
    if (!id) {
      Drop(c, "GetRequest with an object id that is not 20 bytes");
      return;
    }
    get->ids.push_back(*id);
  }
  for (const ObjectId& id : get->ids) {
    if (!seen.insert(id).second) continue;
    ObjectEntry* e = objects_.Find(id);
    if (e != nullptr && e->sealed()) {
      // Spilled (-e): restored first; one that cannot come back is answered as missing now
      // (waiting would never end: no seal is coming).
      if (e->spilled && !RestoreObject(e)) continue;
      if (e->spilled) continue;  // being read back: this Get runs again once it is (parked)
      AddReference(c, e);
      get->found.insert(e);
    } else {
      get->missing.push_back(id);
    }
  }
  if (awaiting_spill_) return;  // asked again once the restores are done (HandleMessage)
  get->missing_count = get->missing.size();
  int64_t timeout_ms = req->timeout_ms();
  if (get->missing_count == 0 || (timeout_ms != -1 && timeout_ms <= 0)) {
    SendGetReply(c, get->ids, get->found);
    return;
  }
  if (limits_.max_pending_gets != 0 && c.pending_gets.size() >= limits_.max_pending_gets) {
    // The references taken above are released when the connection is removed.
    Drop(c, "a GetRequest beyond " + std::to_string(limits_.max_pending_gets) +
                " unanswered Gets (--max-pending-gets)");
    return;
  }
  // Longer than ~100 days is as good as forever, and keeps the time arithmetic in range.
  constexpr int64_t kMaxTimeoutMs = int64_t{100} * 24 * 3600 * 1000;
  if (timeout_ms > 0 && timeout_ms <= kMaxTimeoutMs) {
    get->deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  AnnounceMissing(get->missing, timeout_ms);
  RegisterGet(std::move(get));
}
PS_STORE_HANDLER(fb::MessageType::PlasmaGetRequest);

}  // namespace plasmasharp::store
