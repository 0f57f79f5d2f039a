// Reading a flatbuffer payload safely, for the store (requests) and the client (replies) alike:
// the flatbuffers Verifier checks every offset before a field is read, so a hostile, truncated
// or garbled buffer yields nullptr instead of a wild read.
#pragma once

#include <cstddef>
#include <cstdint>

#include "flatbuffers/flatbuffers.h"

namespace plasmasharp::protocol {

// The verified root table of type T in payload[0, length), or nullptr. The depth and table
// limits bound the work a hostile buffer can cause; Plasma messages nest 3 deep, and a List
// reply of a million objects has a million and one.
template <typename T>
const T* VerifiedRoot(const uint8_t* payload, size_t length) {
  if (payload == nullptr || length < sizeof(flatbuffers::uoffset_t)) return nullptr;
  flatbuffers::Verifier verifier(payload, length, /*max_depth=*/16, /*max_tables=*/10000000);
  if (!verifier.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(payload);
}

}  // namespace plasmasharp::protocol
