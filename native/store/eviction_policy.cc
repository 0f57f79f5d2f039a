#include "eviction_policy.h"

#include <sstream>

namespace plasmasharp::store {

EvictionPolicy::EvictionPolicy(int64_t capacity) : capacity_(capacity), global_("global lru", capacity) {}

bool EvictionPolicy::SetClientQuota(ConnectionId client, const std::string& name, int64_t quota) {
  if (quota < 0 || HasQuota(client)) return false;
  // The global LRU must keep at least 30% of the capacity.
  if (global_.capacity() - quota < static_cast<int64_t>(static_cast<double>(capacity_) * 0.3)) {
    return false;
  }
  global_.AdjustCapacity(-quota);
  per_client_[client] = std::make_unique<LruCache>(name, quota);
  return true;
}

void EvictionPolicy::ObjectCreated(ObjectEntry* entry, ConnectionId creator) {
  if (HasQuota(creator)) entry->quota_owner = creator;
  Place(entry);
}

void EvictionPolicy::ObjectReferenced(ObjectEntry* entry, ConnectionId by) {
  if (entry->quota_owner != kNoConnection && entry->quota_owner != by) {
    // Another client reads a quota'd object: pin it, i.e. demote it to an ordinary global one.
    auto it = per_client_.find(entry->quota_owner);
    if (it != per_client_.end()) it->second->Remove(entry);
    entry->quota_owner = kNoConnection;
    entry->pinned = true;
    ++pinned_count_;
    pinned_bytes_ += static_cast<int64_t>(entry->size());
  }
  Place(entry);
}

void EvictionPolicy::Place(ObjectEntry* entry) {
  if (entry->quota_owner != kNoConnection) {
    auto it = per_client_.find(entry->quota_owner);
    if (it != per_client_.end()) {
      it->second->Add(entry);
      return;
    }
    entry->quota_owner = kNoConnection;  // owner is gone: treat as global
  }
  if (entry->sealed() && entry->ref_count == 0) {
    global_.Add(entry);
  } else {
    global_.Remove(entry);
  }
}

void EvictionPolicy::ObjectRemoved(ObjectEntry* entry) {
  if (entry->cache != nullptr) entry->cache->Remove(entry);
  if (entry->pinned) {
    entry->pinned = false;
    --pinned_count_;
    pinned_bytes_ -= static_cast<int64_t>(entry->size());
  }
}

void EvictionPolicy::ObjectEvicted(ObjectEntry* entry) {
  if (entry->cache != nullptr) entry->cache->CountEviction(static_cast<int64_t>(entry->size()));
}

void EvictionPolicy::Refresh(ObjectEntry* entry) {
  if (entry->cache != nullptr) entry->cache->Touch(entry);
}

bool EvictionPolicy::EnforceClientQuota(ConnectionId client, int64_t size,
                                        std::vector<ObjectEntry*>* victims) {
  auto it = per_client_.find(client);
  if (it == per_client_.end()) return true;
  LruCache& cache = *it->second;
  if (size > cache.capacity()) return false;
  int64_t missing = size - cache.remaining();
  if (missing <= 0) return true;
  int64_t chosen = cache.ChooseVictims(missing, victims);
  if (chosen < missing) {
    victims->clear();  // cannot make room without evicting objects in use: refuse, evict nothing
    return false;
  }
  return true;
}

int64_t EvictionPolicy::ChooseGlobalVictims(int64_t num_bytes,
                                            std::vector<ObjectEntry*>* victims) const {
  return global_.ChooseVictims(num_bytes, victims);
}

void EvictionPolicy::ClientDisconnected(ConnectionId client) {
  auto it = per_client_.find(client);
  if (it == per_client_.end()) return;
  std::unique_ptr<LruCache> cache = std::move(it->second);
  per_client_.erase(it);
  global_.AdjustCapacity(cache->capacity());
  // Copy first: Place() moves entries out of `cache`.
  std::vector<ObjectEntry*> owned(cache->items().begin(), cache->items().end());
  // Oldest first, so the global LRU keeps their relative order.
  for (auto rit = owned.rbegin(); rit != owned.rend(); ++rit) {
    ObjectEntry* e = *rit;
    cache->Remove(e);
    e->quota_owner = kNoConnection;
    Place(e);
  }
}

std::string EvictionPolicy::DebugString(int64_t allocated_bytes) const {
  size_t owned = 0;
  for (const auto& kv : per_client_) owned += kv.second->count();
  std::ostringstream out;
  out << "num clients with quota: " << per_client_.size();
  out << "\nquota map size: " << owned;
  out << "\npinned quota map size: " << pinned_count_;
  out << "\nallocated bytes: " << allocated_bytes;
  out << "\nallocation limit: " << capacity_;
  out << "\npinned bytes: " << pinned_bytes_;
  out << global_.DebugString();
  for (const auto& kv : per_client_) out << kv.second->DebugString();
  return out.str();
}

}  // namespace plasmasharp::store
