// Reading a request payload safely: the flatbuffers Verifier checks every offset before a
// field is read, so a hostile or truncated buffer yields nullptr instead of a wild read.
// Tables without fields may arrive as an empty payload; those are accepted as an empty table.
#pragma once

#include <cstddef>
#include <cstdint>

#include "flatbuffers/flatbuffers.h"
#include "plasma_generated.h"

namespace plasmasharp::store {

// The verified root table of type T, or nullptr. Depth/table limits bound the work a hostile
// buffer can cause.
template <typename T>
const T* VerifiedRoot(const uint8_t* payload, size_t length) {
  if (payload == nullptr || length < sizeof(flatbuffers::uoffset_t)) return nullptr;
  flatbuffers::Verifier verifier(payload, length, /*max_depth=*/16, /*max_tables=*/10000000);
  if (!verifier.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(payload);
}

// For requests that carry no fields: any empty payload or a valid empty table.
template <typename T>
bool IsEmptyTableOrNothing(const uint8_t* payload, size_t length) {
  return length == 0 || VerifiedRoot<T>(payload, length) != nullptr;
}

}  // namespace plasmasharp::store
