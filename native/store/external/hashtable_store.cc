#include "hashtable_store.h"

#include <cstring>
#include <new>

namespace plasmasharp::store {

bool HashtableExternalStore::Put(const std::vector<SpillItem>& items, std::string* error) {
  size_t stored = 0;
  try {
    for (; stored < items.size(); ++stored) {
      const SpillItem& item = items[stored];
      objects_[item.key].assign(item.data, item.data + item.size());
    }
    return true;
  } catch (const std::bad_alloc&) {
    for (size_t i = 0; i <= stored && i < items.size(); ++i) objects_.erase(items[i].key);
    *error = "out of memory for a copy of " + std::to_string(items.size()) + " objects";
    return false;
  }
}

bool HashtableExternalStore::Get(SpillKey key, uint8_t* into, uint64_t size, std::string* error) {
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    *error = "not in the external store";
    return false;
  }
  if (it->second.size() != size) {
    *error = "holds " + std::to_string(it->second.size()) + " bytes, expected " + std::to_string(size);
    return false;
  }
  if (size != 0) std::memcpy(into, it->second.data(), size);
  return true;
}

}  // namespace plasmasharp::store
