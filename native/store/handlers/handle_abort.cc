// AbortRequest{object_id} -> AbortReply{object_id}: the creator gives up an unsealed object,
// which is freed (no notification). AbortReply has no error field, so an Abort of an unknown
// or sealed object, or by another client (all fatal in the real store), closes this connection.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaAbortRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaAbortRequest>(p, n);
  std::optional<ObjectId> id = req ? ObjectId::FromWire(req->object_id()) : std::nullopt;
  if (!id) {
    Drop(c, "AbortRequest without a valid 20-byte object_id");
    return;
  }
  ObjectEntry* e = objects_.Find(*id);
  if (e == nullptr || e->sealed() || e->creator != c.id) {
    Drop(c, "Abort of " + id->Hex() +
                (e == nullptr ? " (unknown object)" : e->sealed() ? " (already sealed)" : " (created by another client)"));
    return;
  }
  AbortObject(e);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaAbortReply(b, IdString(b, *id)));
  Reply(c, fb::MessageType::PlasmaAbortReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaAbortRequest);

}  // namespace plasmasharp::store
