// hashtable://NAME: spilled objects kept in a map in the store's own memory (the real store's
// in-process test backend). NAME only labels it; every store has its own map.
#pragma once

#include <unordered_map>
#include <vector>

#include "external_store.h"

namespace plasmasharp::store {

class HashtableExternalStore final : public ExternalStore {
 public:
  bool Put(const std::vector<SpillItem>& items, std::string* error) override;
  bool Get(SpillKey key, uint8_t* into, uint64_t size, std::string* error) override;
  void Delete(SpillKey key) override { objects_.erase(key); }

 private:
  std::unordered_map<SpillKey, std::vector<uint8_t>> objects_;
};

}  // namespace plasmasharp::store
