// Which objects go when memory runs short: the real store's quota-aware LRU policy.
//
// - A global LRU of sealed objects nobody holds. Its capacity is the store capacity minus every
//   client quota (it only shows in the debug string; eviction is driven by the allocator).
// - A client that set a quota (SetOptions) gets its own LRU: every object it creates counts
//   against the quota, and when a create would overflow the quota the client's own least
//   recently used sealed, unreferenced objects are evicted first. An object larger than the
//   quota, or one that cannot be made to fit, is refused (OutOfMemory).
// - A quota'd object that another client references is "pinned": it leaves its owner's quota
//   and LRU and becomes an ordinary global object (so one client's reads cannot be evicted by
//   another client's quota pressure).
// - On disconnect a client's quota returns to the global capacity and its objects join the
//   global LRU.
// Membership rule (kept by Place): an unowned object is in the global LRU iff it is sealed
// and unreferenced; an owned object is always in its owner's LRU (eviction skips members that
// are in use or unsealed).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lru_cache.h"
#include "object_table.h"

namespace plasmasharp::store {

class EvictionPolicy {
 public:
  explicit EvictionPolicy(int64_t capacity);

  // False when the client already has a quota, or when the quotas together would leave the
  // global LRU less than 30% of the capacity (the real store's rule).
  bool SetClientQuota(ConnectionId client, const std::string& name, int64_t quota);
  bool HasQuota(ConnectionId client) const { return per_client_.count(client) != 0; }

  void ObjectCreated(ObjectEntry* entry, ConnectionId creator);
  // A connection took a reference (`first` = the object had no holder before).
  void ObjectReferenced(ObjectEntry* entry, ConnectionId by);
  // The object's state or reference count changed: re-place it (sealed + unreferenced objects
  // become evictable as most recently used).
  void Place(ObjectEntry* entry);
  void ObjectRemoved(ObjectEntry* entry);
  // The object is about to be evicted: count it in its LRU's statistics.
  void ObjectEvicted(ObjectEntry* entry);
  void Refresh(ObjectEntry* entry);

  // Quota check for a create by `client` of `size` bytes: false = refuse (OutOfMemory);
  // true with `victims` = the client's own objects to evict first.
  bool EnforceClientQuota(ConnectionId client, int64_t size, std::vector<ObjectEntry*>* victims);
  // Chooses global LRU victims worth at least `num_bytes`; returns their total size.
  int64_t ChooseGlobalVictims(int64_t num_bytes, std::vector<ObjectEntry*>* victims) const;

  void ClientDisconnected(ConnectionId client);

  std::string DebugString(int64_t allocated_bytes) const;

 private:
  int64_t capacity_;
  LruCache global_;
  std::map<ConnectionId, std::unique_ptr<LruCache>> per_client_;  // ordered: stable debug text
  int64_t pinned_count_ = 0;
  int64_t pinned_bytes_ = 0;
};

}  // namespace plasmasharp::store
