// ContainsRequest{object_id} -> ContainsReply{object_id, has_object}: 1 only for sealed
// objects, spilled ones (-e) included, as in the real store. ContainsReply has no error
// field: a request without a valid id (a SIGSEGV in the real store) closes this connection.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaContainsRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaContainsRequest>(p, n);
  std::optional<ObjectId> id = req ? ObjectId::FromWire(req->object_id()) : std::nullopt;
  if (!id) {
    Drop(c, "ContainsRequest without a valid 20-byte object_id");
    return;
  }
  ObjectEntry* e = objects_.Find(*id);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaContainsReply(b, IdString(b, *id), e != nullptr && e->sealed() ? 1 : 0));
  Reply(c, fb::MessageType::PlasmaContainsReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaContainsRequest);

}  // namespace plasmasharp::store
