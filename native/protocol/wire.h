// Framing of the Plasma main socket: int64 version (always 0), int64 message type, int64
// payload length, all little-endian, then a flatbuffer payload. See plasma-wire/README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "plasma_generated.h"

namespace plasmasharp::protocol {

namespace fb = plasma::flatbuf;

constexpr int64_t kProtocolVersion = 0;
constexpr size_t kHeaderSize = 24;
constexpr size_t kObjectIdSize = 20;
constexpr size_t kDigestSize = 8;

struct Header {
  int64_t version = kProtocolVersion;
  int64_t type = 0;
  int64_t length = 0;
};

// Only little-endian hosts are supported (x86-64, ARM64): the wire order is the host order.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "PlasmaSharp needs a little-endian host");

inline void EncodeHeader(const Header& h, uint8_t out[kHeaderSize]) {
  std::memcpy(out, &h.version, 8);
  std::memcpy(out + 8, &h.type, 8);
  std::memcpy(out + 16, &h.length, 8);
}

inline Header DecodeHeader(const uint8_t in[kHeaderSize]) {
  Header h;
  std::memcpy(&h.version, in, 8);
  std::memcpy(&h.type, in + 8, 8);
  std::memcpy(&h.length, in + 16, 8);
  return h;
}

// PlasmaSharp's store extension (never sent by or to a real Plasma client): far outside Arrow's
// message types (0-34). A node agent sends WatchMissingRequest (empty payload, no reply) on a
// connection of its own; from then on, whenever a Get starts waiting for ids the store has not
// even begun to create, the store writes a MissingObjectsNotice on that connection: payload =
// int64 timeout_ms of that Get (-1 = forever) followed by the 20-byte ids. The node pulls them
// from other nodes, and the waiting Get returns when their Seal lands (cluster/README.md).
// The one client of it is client/missing_watch.h (ps_missing_watch_* in the C ABI). Arrow's
// plasma-store-server aborts on an unknown type: never send these to it.
constexpr int64_t kWatchMissingRequest = 0x50530001;
constexpr int64_t kMissingObjectsNotice = 0x50530002;

// The name the real protocol gives a message type, or nullptr outside the enum.
inline const char* MessageTypeName(int64_t type) {
  if (type < static_cast<int64_t>(fb::MessageType::MIN) ||
      type > static_cast<int64_t>(fb::MessageType::MAX)) {
    return nullptr;
  }
  return fb::EnumNameMessageType(static_cast<fb::MessageType>(type));
}

}  // namespace plasmasharp::protocol
