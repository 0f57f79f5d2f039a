// DeleteRequest{count, object_ids} -> DeleteReply{count, object_ids, errors}. `count` is
// authoritative (ids beyond it are ignored, as the real store does); a count larger than the
// id list or negative is clamped to what is there, never read out of bounds. Per id: OK,
// ObjectNotFound, ObjectInUse or ObjectNotSealed; the last two are remembered and the object is
// deleted once it is sealed and nobody holds it.
#include <algorithm>

#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

template <>
void StoreCore::Handle<fb::MessageType::PlasmaDeleteRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaDeleteRequest>(p, n);
  if (req == nullptr) {
    Drop(c, "DeleteRequest is not a valid flatbuffer");
    return;
  }
  size_t available = req->object_ids() ? req->object_ids()->size() : 0;
  int64_t asked = req->count();
  size_t count = static_cast<size_t>(std::clamp<int64_t>(asked, 0, static_cast<int64_t>(available)));
  if (static_cast<int64_t>(count) != asked) {
    LogLine(c, "DeleteRequest count " + std::to_string(asked) + " with " + std::to_string(available) +
                   " ids; using " + std::to_string(count));
  }
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<flatbuffers::String>> ids;
  std::vector<fb::PlasmaError> errors;
  for (size_t i = 0; i < count; ++i) {
    const flatbuffers::String* raw = req->object_ids()->Get(i);
    ids.push_back(b.CreateString(raw ? raw->str() : std::string()));
    std::optional<ObjectId> id = ObjectId::FromWire(raw);
    ObjectEntry* e = id ? objects_.Find(*id) : nullptr;
    if (e == nullptr) {
      errors.push_back(fb::PlasmaError::ObjectNotFound);
    } else if (!e->sealed()) {
      e->delete_pending = true;
      errors.push_back(fb::PlasmaError::ObjectNotSealed);
    } else if (e->ref_count > 0) {
      e->delete_pending = true;
      errors.push_back(fb::PlasmaError::ObjectInUse);
    } else {
      DeleteObject(e);
      errors.push_back(fb::PlasmaError::OK);
    }
  }
  auto ids_vec = b.CreateVector(ids);
  auto errors_vec = b.CreateVector(errors);
  b.Finish(fb::CreatePlasmaDeleteReply(b, static_cast<int32_t>(count), ids_vec, errors_vec));
  Reply(c, fb::MessageType::PlasmaDeleteReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaDeleteRequest);

}  // namespace plasmasharp::store
