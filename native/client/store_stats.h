// A store's statistics as one client sees them - the one place they are computed. The C ABI's
// ps_client_store_stats, and through it the CLI's `stats`, the hosting and node metrics and the
// bench, read these; nothing else parses the debug string or sums the object list.
//
// Plasma has no stats request, so they come from what every store (ours and Arrow 11's
// plasma-store-server) answers: the capacity from the ConnectReply, the counters of the debug
// string ("allocated bytes: N", "(global lru) num evictions: N" - the same text in both
// stores) and, when asked for, the object list.
#pragma once

#include <cstdint>
#include <string>

#include "plasma_client.h"

namespace plasmasharp::client {

struct StoreStats {
  int64_t capacity = 0;
  int64_t bytes_used = 0;          // bytes allocated to objects, sealed and unsealed
  int64_t evictions = -1;          // objects evicted since the store started; -1: not reported
  int64_t objects = -1;            // objects in the store; -1: not counted
  int64_t sealed_objects = -1;     // -1: not counted
  int64_t objects_in_use = -1;     // objects some client holds a reference to; -1: not counted
  // Spilling (our store with -e; "spilled objects: N" ... lines): -1 when not reported.
  int64_t spilled_objects = -1;    // objects in the external store now (not in memory)
  int64_t spilled_bytes = -1;      // their bytes
  int64_t restores = -1;           // spilled objects read back since the store started
};

// Reads the statistics: one round trip (the debug string), two when count_objects (the object
// list, which grows with the number of objects). kProtocolError when the debug string has no
// "allocated bytes" line.
Status ReadStoreStats(PlasmaClient& client, bool count_objects, StoreStats* out);

// The number after "name:" on a line of its own in a debug string, or -1.
int64_t DebugStringCounter(const std::string& debug_string, const std::string& name);

}  // namespace plasmasharp::client
