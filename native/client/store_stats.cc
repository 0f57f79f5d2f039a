#include "store_stats.h"

#include <cctype>
#include <sstream>
#include <vector>

namespace plasmasharp::client {

int64_t DebugStringCounter(const std::string& debug_string, const std::string& name) {
  std::istringstream lines(debug_string);
  const std::string prefix = name + ":";
  for (std::string line; std::getline(lines, line);) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line.compare(start, prefix.size(), prefix) != 0) continue;
    size_t digits = line.find_first_not_of(" \t", start + prefix.size());
    if (digits == std::string::npos || !std::isdigit(static_cast<unsigned char>(line[digits]))) {
      continue;
    }
    int64_t value = 0;
    size_t i = digits;
    for (; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])); ++i) {
      value = value * 10 + (line[i] - '0');
    }
    // "12.5%" or "12 bytes" is not a counter.
    if (line.find_first_not_of(" \t\r", i) != std::string::npos) continue;
    return value;
  }
  return -1;
}

Status ReadStoreStats(PlasmaClient& client, bool count_objects, StoreStats* out) {
  StoreStats stats;
  stats.capacity = client.store_capacity();
  std::string debug;
  PS_RETURN_IF_ERROR(client.DebugString(&debug));
  stats.bytes_used = DebugStringCounter(debug, "allocated bytes");
  if (stats.bytes_used < 0) {
    return Status(Code::kProtocolError,
                  "the store's debug string has no 'allocated bytes' line: " + debug);
  }
  stats.evictions = DebugStringCounter(debug, "(global lru) num evictions");
  stats.spilled_objects = DebugStringCounter(debug, "spilled objects");
  stats.spilled_bytes = DebugStringCounter(debug, "spilled bytes");
  stats.restores = DebugStringCounter(debug, "restores");
  if (count_objects) {
    std::vector<ObjectInfo> objects;
    PS_RETURN_IF_ERROR(client.List(&objects));
    stats.objects = static_cast<int64_t>(objects.size());
    stats.sealed_objects = 0;
    stats.objects_in_use = 0;
    for (const ObjectInfo& o : objects) {
      if (o.is_sealed) ++stats.sealed_objects;
      if (o.ref_count > 0) ++stats.objects_in_use;
    }
  }
  *out = stats;
  return Status::OK();
}

}  // namespace plasmasharp::client
