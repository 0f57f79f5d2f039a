// hashtable://NAME: spilled objects kept in a map in the store's own memory (the real store's
// in-process test backend). NAME only labels it; every store has its own map.
#pragma once

#include <unordered_map>
#include <vector>

#include "external_store.h"

namespace plasmasharp::store {

class HashtableExternalStore final : public ExternalStore {
 public:
  bool Put(const ObjectId& id, const uint8_t* data, size_t size, std::string* error) override;
  bool Get(const ObjectId& id, uint8_t* into, size_t size, std::string* error) override;
  void Delete(const ObjectId& id) override { objects_.erase(id); }
  bool Contains(const ObjectId& id) const override { return objects_.count(id) != 0; }

 private:
  std::unordered_map<ObjectId, std::vector<uint8_t>, ObjectIdHash> objects_;
};

}  // namespace plasmasharp::store
