// Reading a request payload safely (protocol::VerifiedRoot: a hostile or truncated buffer
// yields nullptr instead of a wild read).
// Tables without fields may arrive as an empty payload; those are accepted as an empty table.
#pragma once

#include <cstddef>
#include <cstdint>

#include "plasma_generated.h"
#include "verified_root.h"

namespace plasmasharp::store {

// The one verifier, shared with the client (native/protocol/verified_root.h).
using protocol::VerifiedRoot;

// For requests that carry no fields: any empty payload or a valid empty table.
template <typename T>
bool IsEmptyTableOrNothing(const uint8_t* payload, size_t length) {
  return length == 0 || VerifiedRoot<T>(payload, length) != nullptr;
}

}  // namespace plasmasharp::store
