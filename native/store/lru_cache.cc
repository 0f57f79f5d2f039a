#include "lru_cache.h"

#include <sstream>

namespace plasmasharp::store {

void LruCache::Add(ObjectEntry* entry) {
  if (entry->cache == this) return;
  if (entry->cache != nullptr) entry->cache->Remove(entry);
  items_.push_front(entry);
  entry->cache = this;
  entry->cache_pos = items_.begin();
  used_ += static_cast<int64_t>(entry->size());
}

void LruCache::Remove(ObjectEntry* entry) {
  if (entry->cache != this) return;
  items_.erase(entry->cache_pos);
  entry->cache = nullptr;
  used_ -= static_cast<int64_t>(entry->size());
}

void LruCache::Touch(ObjectEntry* entry) {
  if (entry->cache != this) return;
  items_.splice(items_.begin(), items_, entry->cache_pos);
  entry->cache_pos = items_.begin();
}

int64_t LruCache::ChooseVictims(int64_t num_bytes, std::vector<ObjectEntry*>* victims) {
  int64_t chosen = 0;
  for (auto it = items_.rbegin(); it != items_.rend() && chosen < num_bytes; ++it) {
    ObjectEntry* e = *it;
    victims->push_back(e);
    chosen += static_cast<int64_t>(e->size());
    ++num_evictions_;
    bytes_evicted_ += static_cast<int64_t>(e->size());
  }
  return chosen;
}

std::string LruCache::DebugString() const {
  std::ostringstream out;
  double used_fraction =
      original_capacity_ > 0
          ? 1.0 - static_cast<double>(remaining()) / static_cast<double>(original_capacity_)
          : 0.0;
  out << "\n(" << name_ << ") capacity: " << capacity_;
  out << "\n(" << name_ << ") used: " << 100.0 * used_fraction << "%";
  out << "\n(" << name_ << ") num objects: " << items_.size();
  out << "\n(" << name_ << ") num evictions: " << num_evictions_;
  out << "\n(" << name_ << ") bytes evicted: " << bytes_evicted_;
  return out.str();
}

}  // namespace plasmasharp::store
