// One LRU list with byte accounting, as the real store keeps one for the whole store and one
// per client with a quota. Front = most recently used, back = least recently used.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "object_table.h"

namespace plasmasharp::store {

class LruCache {
 public:
  LruCache(std::string name, int64_t capacity)
      : name_(std::move(name)), capacity_(capacity), original_capacity_(capacity) {}
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  void Add(ObjectEntry* entry);     // as most recently used; no-op if already in this cache
  void Remove(ObjectEntry* entry);  // no-op unless in this cache
  void Touch(ObjectEntry* entry);   // move to most recently used
  bool Contains(const ObjectEntry* entry) const { return entry->cache == this; }

  // Walks from the least recently used end, picking members until at least `num_bytes` are
  // chosen, and counts them as evicted (the debug string's statistics; the real store counts
  // at this point, so a quota's demoted objects count too). Returns the bytes chosen (appended
  // to `victims`); the members stay in the list until the caller removes them.
  int64_t ChooseVictims(int64_t num_bytes, std::vector<ObjectEntry*>* victims);

  void AdjustCapacity(int64_t delta) { capacity_ += delta; }
  int64_t capacity() const { return capacity_; }
  int64_t original_capacity() const { return original_capacity_; }
  int64_t used() const { return used_; }
  int64_t remaining() const { return capacity_ - used_; }
  const std::string& name() const { return name_; }
  const std::list<ObjectEntry*>& items() const { return items_; }

  // The real store's per-cache lines: capacity, used %, num objects, evictions.
  std::string DebugString() const;

 private:
  std::string name_;
  int64_t capacity_;
  int64_t original_capacity_;
  int64_t used_ = 0;
  int64_t num_evictions_ = 0;
  int64_t bytes_evicted_ = 0;
  std::list<ObjectEntry*> items_;
};

}  // namespace plasmasharp::store
