// ListRequest -> ListReply{objects: [ObjectInfo]}: every object, sealed or not. Unsealed ones
// have digest "" and construct_duration -1; ref_count = connections holding it.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaListRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  if (!IsEmptyTableOrNothing<fb::PlasmaListRequest>(p, n)) {
    Drop(c, "ListRequest is not a valid flatbuffer");
    return;
  }
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::ObjectInfo>> infos;
  infos.reserve(objects_.size());
  objects_.ForEach([&](const ObjectEntry* e) {
    auto id = IdString(b, e->id);
    auto digest = b.CreateString(e->sealed() ? e->digest : std::string());
    infos.push_back(fb::CreateObjectInfo(b, id, static_cast<int64_t>(e->data_size),
                                         static_cast<int64_t>(e->metadata_size), e->ref_count,
                                         e->create_time, e->sealed() ? e->construct_duration : -1,
                                         digest, /*is_deletion=*/false, /*spilled=*/e->spilled));
  });
  auto vec = b.CreateVector(infos);
  b.Finish(fb::CreatePlasmaListReply(b, vec));
  Reply(c, fb::MessageType::PlasmaListReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaListRequest);

}  // namespace plasmasharp::store
