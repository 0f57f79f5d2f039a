#include "hashtable_store.h"

#include <cstring>
#include <new>

namespace plasmasharp::store {

bool HashtableExternalStore::Put(const ObjectId& id, const uint8_t* data, size_t size,
                                 std::string* error) {
  try {
    objects_[id].assign(data, data + size);
    return true;
  } catch (const std::bad_alloc&) {
    objects_.erase(id);
    *error = "out of memory for a " + std::to_string(size) + "-byte copy";
    return false;
  }
}

bool HashtableExternalStore::Get(const ObjectId& id, uint8_t* into, size_t size, std::string* error) {
  auto it = objects_.find(id);
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
