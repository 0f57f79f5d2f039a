// CreateAndSealRequest{object_id, evict_if_full, data, metadata, digest} -> CreateAndSealReply
// {error}. The store copies the inline bytes into the segment, seals (one notification) and
// releases, so the object ends up sealed and unreferenced. No fd is passed.
#include <cstring>

#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaCreateAndSealRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaCreateAndSealRequest>(p, n);
  std::optional<ObjectId> id = req ? ObjectId::FromWire(req->object_id()) : std::nullopt;
  fb::PlasmaError error = fb::PlasmaError::OK;
  if (!id || (req->digest() != nullptr && req->digest()->size() != protocol::kDigestSize)) {
    LogLine(c, "CreateAndSealRequest without a valid object_id or 8-byte digest; answering ObjectNotFound");
    error = fb::PlasmaError::ObjectNotFound;
  } else {
    uint64_t data_size = req->data() ? req->data()->size() : 0;
    uint64_t metadata_size = req->metadata() ? req->metadata()->size() : 0;
    ObjectEntry* e = nullptr;
    error = CreateObject(c, *id, data_size, metadata_size, req->evict_if_full(), 0, &e);
    if (e != nullptr) {
      uint8_t* dst = segment_->base() + e->data_offset;
      if (data_size) std::memcpy(dst, req->data()->data(), data_size);
      if (metadata_size) std::memcpy(dst + data_size, req->metadata()->data(), metadata_size);
      std::string digest = req->digest() ? req->digest()->str() : std::string(protocol::kDigestSize, '\0');
      SealObjects({e}, {digest});
      DropReference(c, e);
    }
  }
  if (awaiting_spill_) return;  // room is being spilled: asked again then (HandleMessage)
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaCreateAndSealReply(b, error));
  Reply(c, fb::MessageType::PlasmaCreateAndSealReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaCreateAndSealRequest);

}  // namespace plasmasharp::store
