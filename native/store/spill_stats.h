// What spilling (-e) has done, for the debug string ("spilled objects: N" ... lines, only with
// -e) and from there the stats every client reads (ps_store_stats, PlasmaStoreStats, the CLI).
#pragma once

#include <cstdint>
#include <string>

namespace plasmasharp::store {

struct SpillStats {
  uint64_t spilled_objects = 0;     // in the external store now
  uint64_t spilled_bytes = 0;       // their data + metadata bytes
  uint64_t spills = 0;              // objects written out since the store started
  uint64_t restores = 0;            // objects read back since the store started
  uint64_t spill_failures = 0;      // objects whose write failed (they stayed in memory)
  uint64_t restore_failures = 0;    // restores that failed (that Get answered "not available")
  uint64_t dropped_over_limit = 0;  // evicted for good because --spill-limit was reached
  uint64_t recovered = 0;           // re-indexed at start (--spill-keep)

  // One "name: value" line each, each line starting with '\n' (appended to the debug string).
  std::string DebugLines() const {
    return "\nspilled objects: " + std::to_string(spilled_objects) +
           "\nspilled bytes: " + std::to_string(spilled_bytes) +
           "\nspill writes: " + std::to_string(spills) +
           "\nrestores: " + std::to_string(restores) +
           "\nspill failures: " + std::to_string(spill_failures) +
           "\nrestore failures: " + std::to_string(restore_failures) +
           "\nspill limit drops: " + std::to_string(dropped_over_limit) +
           "\nspill recovered: " + std::to_string(recovered);
  }
};

}  // namespace plasmasharp::store
