// Builds the store's outgoing flatbuffers: framed replies for the main socket and notification
// frames. Field values follow the recorded real store (see plasma-wire/README.md): errors and
// other defaults are omitted by the builder, a missing object in a GetReply is data_size -1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "object_table.h"
#include "wire.h"

namespace plasmasharp::store {

namespace fb = plasma::flatbuf;

// Header (version 0, type, length) + the finished builder's bytes.
std::vector<uint8_t> Frame(fb::MessageType type, const flatbuffers::FlatBufferBuilder& builder);

// The spec of an object as clients see it (offsets from the segment file start).
fb::PlasmaObjectSpec SpecOf(const ObjectEntry& entry);
// The spec the real store reports for an object a Get did not find.
fb::PlasmaObjectSpec MissingSpec();

// Notification frame: int64 payload length + PlasmaNotification (no version/type words).
std::vector<uint8_t> SealNotificationFrame(const std::vector<const ObjectEntry*>& objects);
std::vector<uint8_t> DeletionNotificationFrame(const ObjectId& id);

inline flatbuffers::Offset<flatbuffers::String> IdString(flatbuffers::FlatBufferBuilder& b,
                                                         const ObjectId& id) {
  return b.CreateString(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
}

}  // namespace plasmasharp::store
