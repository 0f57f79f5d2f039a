// ReleaseRequest{object_id}: drops this connection's reference. No reply. Releasing an object
// the connection does not hold (fatal in the real store) closes this connection.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaReleaseRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaReleaseRequest>(p, n);
  std::optional<ObjectId> id = req ? ObjectId::FromWire(req->object_id()) : std::nullopt;
  if (!id) {
    Drop(c, "ReleaseRequest without a valid 20-byte object_id");
    return;
  }
  ObjectEntry* e = objects_.Find(*id);
  if (e == nullptr || c.held.count(e) == 0) {
    Drop(c, "Release of " + id->Hex() + ", which this connection does not hold");
    return;
  }
  DropReference(c, e);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaReleaseRequest);

}  // namespace plasmasharp::store
