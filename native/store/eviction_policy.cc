#include "eviction_policy.h"

#include <algorithm>
#include <sstream>

namespace plasmasharp::store {

EvictionPolicy::EvictionPolicy(int64_t capacity) : capacity_(capacity), global_("global lru", capacity) {}

LruCache* EvictionPolicy::FindQuota(ConnectionId client) const {
  for (const Quota& q : quotas_) {
    if (q.client == client) return q.cache.get();
  }
  return nullptr;
}

bool EvictionPolicy::SetClientQuota(ConnectionId client, const std::string& name, int64_t quota) {
  if (quota < 0 || HasQuota(client)) return false;
  if (global_.capacity() - quota < static_cast<int64_t>(static_cast<double>(capacity_) * 0.3)) {
    return false;
  }
  global_.AdjustCapacity(-quota);
  quotas_.push_back(Quota{client, std::make_unique<LruCache>(name, quota)});
  return true;
}

void EvictionPolicy::ObjectCreated(ObjectEntry* entry, ConnectionId creator) {
  if (LruCache* quota = FindQuota(creator)) {
    entry->quota_owner = creator;
    quota->Add(entry);
    ++owned_count_;
  }
  // An ordinary object joins the global LRU only once unused (EndAccess).
}

void EvictionPolicy::BeginAccess(ObjectEntry* entry) {
  bytes_in_use_ += static_cast<int64_t>(entry->size());
  if (entry->quota_owner != kNoConnection) {
    entry->owned_in_use = true;
    ++owned_in_use_count_;
  } else {
    global_.Remove(entry);
  }
}

void EvictionPolicy::EndAccess(ObjectEntry* entry) {
  bytes_in_use_ -= static_cast<int64_t>(entry->size());
  if (entry->quota_owner != kNoConnection) {
    entry->owned_in_use = false;
    --owned_in_use_count_;
  } else if (entry->sealed()) {
    global_.Add(entry);
  }
}

void EvictionPolicy::ObjectSealed(ObjectEntry* entry) {
  if (entry->quota_owner == kNoConnection && entry->ref_count == 0) global_.Add(entry);
}

void EvictionPolicy::Disown(ObjectEntry* entry) {
  if (entry->cache != nullptr) entry->cache->Remove(entry);
  entry->quota_owner = kNoConnection;
  --owned_count_;
  if (entry->owned_in_use) {
    entry->owned_in_use = false;
    --owned_in_use_count_;
  }
}

void EvictionPolicy::ObjectRemoved(ObjectEntry* entry) {
  if (entry->quota_owner != kNoConnection) {
    Disown(entry);
  } else {
    global_.Remove(entry);
  }
}

void EvictionPolicy::Refresh(ObjectEntry* entry) {
  if (entry->cache != nullptr) entry->cache->Touch(entry);
}

bool EvictionPolicy::EnforceClientQuota(ConnectionId client, int64_t size,
                                        std::vector<ObjectEntry*>* victims) {
  LruCache* quota = FindQuota(client);
  if (quota == nullptr) return true;
  if (size > quota->capacity()) return false;
  int64_t missing = size - quota->remaining();
  if (missing <= 0) return true;
  std::vector<ObjectEntry*> chosen;
  quota->ChooseVictims(missing, &chosen);
  for (ObjectEntry* e : chosen) {
    bool evictable = !e->owned_in_use && e->sealed();
    Disown(e);
    // In use: demoted, not evicted; EndAccess puts it in the global LRU once released. (An
    // unsealed one nobody holds, which only a misbehaving client leaves, waits for its seal.)
    if (evictable) victims->push_back(e);
  }
  return true;
}

int64_t EvictionPolicy::ChooseGlobalVictims(int64_t num_bytes, std::vector<ObjectEntry*>* victims) {
  return global_.ChooseVictims(num_bytes, victims);
}

void EvictionPolicy::ClientDisconnected(ConnectionId client) {
  auto it = std::find_if(quotas_.begin(), quotas_.end(), [&](const Quota& q) { return q.client == client; });
  if (it == quotas_.end()) return;
  std::unique_ptr<LruCache> cache = std::move(it->cache);
  quotas_.erase(it);
  global_.AdjustCapacity(cache->capacity());
  // Most recently used first, each added as the global LRU's most recent: the client's order
  // ends up reversed there, as in the real store.
  std::vector<ObjectEntry*> owned(cache->items().begin(), cache->items().end());
  for (ObjectEntry* e : owned) {
    bool evictable = !e->owned_in_use && e->sealed();
    Disown(e);
    if (evictable) global_.Add(e);  // in use: joins at its EndAccess (unsealed: at its seal)
  }
}

std::string EvictionPolicy::DebugString(int64_t allocated_bytes) const {
  std::ostringstream out;
  out << "num clients with quota: " << quotas_.size();
  out << "\nquota map size: " << owned_count_;
  out << "\npinned quota map size: " << owned_in_use_count_;
  out << "\nallocated bytes: " << allocated_bytes;
  out << "\nallocation limit: " << capacity_;
  out << "\npinned bytes: " << bytes_in_use_;
  out << global_.DebugString();
  // Newest quota first, the order the real store prints them in.
  for (auto it = quotas_.rbegin(); it != quotas_.rend(); ++it) out << it->cache->DebugString();
  return out.str();
}

}  // namespace plasmasharp::store
