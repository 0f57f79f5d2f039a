// RefreshLRURequest{object_ids} -> RefreshLRUReply{} (always): marks the objects as most
// recently used in their LRU; unknown (or malformed) ids are ignored.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaRefreshLRURequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaRefreshLRURequest>(p, n);
  if (req == nullptr && n != 0) {
    Drop(c, "RefreshLRURequest is not a valid flatbuffer");
    return;
  }
  if (req != nullptr && req->object_ids() != nullptr) {
    for (const flatbuffers::String* s : *req->object_ids()) {
      std::optional<ObjectId> id = ObjectId::FromWire(s);
      ObjectEntry* e = id ? objects_.Find(*id) : nullptr;
      if (e != nullptr) policy_.Refresh(e);
    }
  }
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaRefreshLRUReply(b));
  Reply(c, fb::MessageType::PlasmaRefreshLRUReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaRefreshLRURequest);

}  // namespace plasmasharp::store
