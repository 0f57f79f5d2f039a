// The on-disk form of one spilled object in a file:// spill file (format documented in
// native/store/README.md, "file:// on disk"): a 64-byte header, then the object's data and
// metadata bytes. A spill file is records back to back, one per object of an eviction batch.
//
//   offset size  field
//        0    8  magic: "PSSPILL1" (live) or "PSSPILL0" (dead: deleted or restored since)
//        8   20  object id
//       28    4  header check: low 32 bits of ContentHash over the header with this field 0
//                and the live magic (so a dead header still tells where the next record is)
//       32    8  data size (little-endian, as every number here)
//       40    8  metadata size
//       48    8  the object's Plasma digest (what List answers; not checked by the store)
//       56    8  ContentHash of the data + metadata bytes (checked when re-indexed)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "object_id.h"

namespace plasmasharp::store {

constexpr size_t kSpillHeaderSize = 64;
constexpr char kLiveMagic[] = "PSSPILL1";
constexpr char kDeadMagic[] = "PSSPILL0";
constexpr size_t kMagicSize = 8;

// A 64-bit hash of `n` bytes: four independent multiply-rotate lanes over 8-byte words, so it
// runs at memory speed (a torn or stale record has a different hash; not cryptographic).
uint64_t ContentHash(const uint8_t* p, size_t n);
// Continues a hash over a second range as if both were one (for files read in chunks).
class ContentHasher {
 public:
  void Update(const uint8_t* p, size_t n);
  uint64_t Finish();

 private:
  uint64_t lanes_[4] = {0x9E3779B185EBCA87ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull,
                        0x27D4EB2F165667C5ull};
  uint8_t pending_[32] = {};
  size_t pending_size_ = 0;
  uint64_t total_ = 0;
};

struct SpillHeader {
  bool live = true;
  ObjectId id;
  uint64_t data_size = 0;
  uint64_t metadata_size = 0;
  std::string digest;  // 8 bytes
  uint64_t content_hash = 0;
  uint64_t record_size() const { return kSpillHeaderSize + data_size + metadata_size; }
};

void EncodeSpillHeader(const SpillHeader& header, uint8_t out[kSpillHeaderSize]);
// False when the bytes are not a header (bad magic or check): a torn or foreign file.
bool DecodeSpillHeader(const uint8_t in[kSpillHeaderSize], SpillHeader* header);

}  // namespace plasmasharp::store
