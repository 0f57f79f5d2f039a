// SealRequest{object_id, digest} -> SealReply{object_id, error}. The digest (8 bytes, computed
// by the client) is kept and never checked. The real store crashes on an unknown or already
// sealed object; here those get ObjectNotFound / ObjectExists.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaSealRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaSealRequest>(p, n);
  std::optional<ObjectId> id = req ? ObjectId::FromWire(req->object_id()) : std::nullopt;
  fb::PlasmaError error = fb::PlasmaError::OK;
  if (!id || req->digest() == nullptr || req->digest()->size() != protocol::kDigestSize) {
    LogLine(c, "SealRequest without a valid object_id or 8-byte digest; answering ObjectNotFound");
    error = fb::PlasmaError::ObjectNotFound;
  } else {
    ObjectEntry* e = objects_.Find(*id);
    if (e == nullptr) {
      LogLine(c, "Seal of unknown object " + id->Hex() + "; answering ObjectNotFound");
      error = fb::PlasmaError::ObjectNotFound;
    } else if (e->sealed()) {
      LogLine(c, "Seal of already sealed object " + id->Hex() + "; answering ObjectExists");
      error = fb::PlasmaError::ObjectExists;
    } else {
      SealObjects({e}, {req->digest()->str()});
    }
  }
  flatbuffers::FlatBufferBuilder b;
  flatbuffers::Offset<flatbuffers::String> id_str =
      id ? IdString(b, *id) : b.CreateString(req && req->object_id() ? req->object_id()->str() : "");
  b.Finish(fb::CreatePlasmaSealReply(b, id_str, error));
  Reply(c, fb::MessageType::PlasmaSealReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaSealRequest);

}  // namespace plasmasharp::store
