#include "message_builders.h"

#include <cstring>

namespace plasmasharp::store {

std::vector<uint8_t> Frame(fb::MessageType type, const flatbuffers::FlatBufferBuilder& builder) {
  std::vector<uint8_t> out(protocol::kHeaderSize + builder.GetSize());
  protocol::EncodeHeader(protocol::Header{protocol::kProtocolVersion, static_cast<int64_t>(type),
                                          static_cast<int64_t>(builder.GetSize())},
                         out.data());
  std::memcpy(out.data() + protocol::kHeaderSize, builder.GetBufferPointer(), builder.GetSize());
  return out;
}

fb::PlasmaObjectSpec SpecOf(const ObjectEntry& e) {
  return fb::PlasmaObjectSpec(e.segment_fd, e.data_offset, e.data_size,
                              e.data_offset + e.data_size, e.metadata_size, 0);
}

fb::PlasmaObjectSpec MissingSpec() { return fb::PlasmaObjectSpec(0, 0, UINT64_MAX, 0, 0, 0); }

namespace {

std::vector<uint8_t> NotificationFrame(flatbuffers::FlatBufferBuilder& b,
                                       const std::vector<flatbuffers::Offset<fb::ObjectInfo>>& infos) {
  auto vec = b.CreateVector(infos);
  b.Finish(fb::CreatePlasmaNotification(b, vec));
  int64_t length = static_cast<int64_t>(b.GetSize());
  std::vector<uint8_t> out(sizeof(length) + b.GetSize());
  std::memcpy(out.data(), &length, sizeof(length));
  std::memcpy(out.data() + sizeof(length), b.GetBufferPointer(), b.GetSize());
  return out;
}

}  // namespace

std::vector<uint8_t> SealNotificationFrame(const std::vector<const ObjectEntry*>& objects) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::ObjectInfo>> infos;
  for (const ObjectEntry* e : objects) {
    auto id = IdString(b, e->id);
    auto digest = b.CreateString(e->digest);
    // ref_count, create_time and construct_duration stay absent, as in the real store.
    infos.push_back(fb::CreateObjectInfo(b, id, static_cast<int64_t>(e->data_size),
                                         static_cast<int64_t>(e->metadata_size), 0, 0, 0, digest));
  }
  return NotificationFrame(b, infos);
}

std::vector<uint8_t> DeletionNotificationFrame(const ObjectId& id) {
  flatbuffers::FlatBufferBuilder b;
  auto id_str = IdString(b, id);
  std::vector<flatbuffers::Offset<fb::ObjectInfo>> infos = {
      fb::CreateObjectInfo(b, id_str, 0, 0, 0, 0, 0, 0, true)};
  return NotificationFrame(b, infos);
}

}  // namespace plasmasharp::store
