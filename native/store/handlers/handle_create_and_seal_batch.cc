// CreateAndSealBatchRequest{object_ids, evict_if_full, data, metadata, digest} ->
// CreateAndSealBatchReply{error}. All or nothing: on the first error every object created by
// this batch is rolled back. On success all are sealed with ONE notification frame holding N
// ObjectInfos, then released. Batch digests are not checked (libplasma 11 sends garbage).
#include <cstring>

#include "request_decoding.h"
#include "store_core.h"

namespace plasmasharp::store {

namespace {

template <typename V>
size_t SizeOf(const V* v) {
  return v == nullptr ? 0 : v->size();
}

}  // namespace

template <>
void StoreCore::Handle<fb::MessageType::PlasmaCreateAndSealBatchRequest>(
    ClientState& c, const uint8_t* p, size_t n, std::vector<int>& /*fds*/) {
  const auto* req = VerifiedRoot<fb::PlasmaCreateAndSealBatchRequest>(p, n);
  fb::PlasmaError error = fb::PlasmaError::OK;
  std::vector<ObjectId> ids;
  bool valid = req != nullptr && req->object_ids() != nullptr;
  if (valid) {
    size_t count = req->object_ids()->size();
    valid = SizeOf(req->data()) == count && SizeOf(req->metadata()) == count &&
            (req->digest() == nullptr || req->digest()->size() == count);
    for (size_t i = 0; valid && i < count; ++i) {
      std::optional<ObjectId> id = ObjectId::FromWire(req->object_ids()->Get(i));
      const flatbuffers::String* d = req->digest() ? req->digest()->Get(i) : nullptr;
      valid = id.has_value() && req->data()->Get(i) != nullptr && req->metadata()->Get(i) != nullptr &&
              (d == nullptr || d->size() == protocol::kDigestSize);
      if (id) ids.push_back(*id);
    }
  }
  if (!valid) {
    LogLine(c, "CreateAndSealBatchRequest with missing or mismatched fields; answering ObjectNotFound");
    error = fb::PlasmaError::ObjectNotFound;
  } else {
    std::vector<ObjectEntry*> created;
    for (size_t i = 0; i < ids.size() && error == fb::PlasmaError::OK; ++i) {
      ObjectEntry* e = nullptr;
      error = CreateObject(c, ids[i], req->data()->Get(i)->size(), req->metadata()->Get(i)->size(),
                           req->evict_if_full(), 0, &e);
      if (e != nullptr) created.push_back(e);
    }
    if (error != fb::PlasmaError::OK) {
      for (ObjectEntry* e : created) AbortObject(e);
    } else {
      std::vector<std::string> digests;
      for (size_t i = 0; i < created.size(); ++i) {
        ObjectEntry* e = created[i];
        uint8_t* dst = segment_->base() + e->data_offset;
        const auto* data = req->data()->Get(i);
        const auto* meta = req->metadata()->Get(i);
        if (data->size()) std::memcpy(dst, data->data(), data->size());
        if (meta->size()) std::memcpy(dst + data->size(), meta->data(), meta->size());
        const flatbuffers::String* d = req->digest() ? req->digest()->Get(i) : nullptr;
        digests.push_back(d ? d->str() : std::string(protocol::kDigestSize, '\0'));
      }
      SealObjects(created, digests);
      for (ObjectEntry* e : created) DropReference(c, e);
    }
  }
  if (awaiting_spill_) return;  // room is being spilled: asked again then (HandleMessage)
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreatePlasmaCreateAndSealBatchReply(b, error));
  Reply(c, fb::MessageType::PlasmaCreateAndSealBatchReply, b);
}
PS_STORE_HANDLER(fb::MessageType::PlasmaCreateAndSealBatchRequest);

}  // namespace plasmasharp::store
