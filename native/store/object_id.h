// A Plasma object id: 20 raw bytes. On the wire it is a flatbuffers string; here a fixed array
// so the object table can hash and compare it without allocating.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "flatbuffers/flatbuffers.h"
#include "wire.h"

namespace plasmasharp::store {

constexpr size_t kObjectIdBytes = protocol::kObjectIdSize;

struct ObjectId {
  std::array<uint8_t, kObjectIdBytes> bytes{};

  bool operator==(const ObjectId& other) const { return bytes == other.bytes; }
  bool operator!=(const ObjectId& other) const { return bytes != other.bytes; }

  std::string Binary() const { return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()); }
  // Printable form for log lines: hex.
  std::string Hex() const;

  // nullopt unless `s` is exactly 20 bytes (a short or long id is a malformed request).
  static std::optional<ObjectId> FromWire(const flatbuffers::String* s) {
    if (s == nullptr || s->size() != kObjectIdBytes) return std::nullopt;
    ObjectId id;
    std::memcpy(id.bytes.data(), s->data(), kObjectIdBytes);
    return id;
  }
};

struct ObjectIdHash {
  size_t operator()(const ObjectId& id) const {
    // Ids are usually random (or at least distinct in their first bytes); mixing two 8-byte
    // words is plenty and keeps the lookup O(1) without hashing all 20 bytes byte by byte.
    uint64_t a, b;
    uint32_t c;
    std::memcpy(&a, id.bytes.data(), 8);
    std::memcpy(&b, id.bytes.data() + 8, 8);
    std::memcpy(&c, id.bytes.data() + 16, 4);
    uint64_t h = a * 0x9E3779B97F4A7C15ull;
    h ^= (b + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2));
    h ^= (c + 0x8CB92BA72F3D8DD7ull + (h << 6) + (h >> 2));
    h ^= h >> 31;
    return static_cast<size_t>(h * 0xBF58476D1CE4E5B9ull);
  }
};

inline std::string ObjectId::Hex() const {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(kObjectIdBytes * 2);
  for (uint8_t b : bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

}  // namespace plasmasharp::store
