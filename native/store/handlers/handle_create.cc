// CreateRequest -> CreateReply (+ the segment fd the first time this connection sees it).
// Errors: ObjectExists, OutOfMemory (too big, full without evict_if_full, eviction could not
// make room, quota exceeded, device_num != 0). An error reply has an all-zero spec and no
// store_fd / mmap_size, and no fd follows.
#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaCreateRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaCreateRequest>(p, n);
  std::optional<ObjectId> id = req ? ObjectId::FromWire(req->object_id()) : std::nullopt;
  ObjectEntry* entry = nullptr;
  fb::PlasmaError error;
  if (!id) {
    LogLine(c, "CreateRequest without a valid 20-byte object_id; answering ObjectNotFound");
    error = fb::PlasmaError::ObjectNotFound;
  } else {
    error = CreateObject(c, *id, req->data_size(), req->metadata_size(), req->evict_if_full(),
                         req->device_num(), &entry);
  }
  if (awaiting_spill_) return;  // room is being spilled: asked again then (HandleMessage)
  flatbuffers::FlatBufferBuilder b;
  flatbuffers::Offset<flatbuffers::String> id_str =
      id ? IdString(b, *id) : b.CreateString(req && req->object_id() ? req->object_id()->str() : "");
  if (entry != nullptr) {
    fb::PlasmaObjectSpec spec = SpecOf(*entry);
    b.Finish(fb::CreatePlasmaCreateReply(b, id_str, &spec, fb::PlasmaError::OK, entry->segment_fd,
                                         static_cast<int64_t>(segment_->mmap_size())));
    Reply(c, fb::MessageType::PlasmaCreateReply, b);
    PassSegmentFd(c, entry->segment_fd);
  } else {
    fb::PlasmaObjectSpec empty(0, 0, 0, 0, 0, 0);
    b.Finish(fb::CreatePlasmaCreateReply(b, id_str, &empty, error));
    Reply(c, fb::MessageType::PlasmaCreateReply, b);
  }
}
PS_STORE_HANDLER(fb::MessageType::PlasmaCreateRequest);

}  // namespace plasmasharp::store
