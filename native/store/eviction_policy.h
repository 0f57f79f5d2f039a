// Which objects go when memory runs short: the real Arrow 11 store's quota-aware LRU policy,
// with its bookkeeping and its debug-string words (tests/native/client/quota_test.cc checks
// both against the real store).
//
// - Global LRU: ordinary objects that nobody uses (sealed, reference count 0). Its capacity is
//   the store capacity minus every client quota; eviction for a create is driven by the
//   allocator and picks from here.
// - A client that set a quota (SetOptions, once; all quotas together leave at least 30% of the
//   capacity global) owns the objects it creates: they are in its own LRU whether used or not,
//   and never in the global one. An owned object in use by anyone is "in use" ("pinned quota
//   map size"). A create by that client that does not fit the quota takes the quota's least
//   recently used objects until enough bytes are chosen: unused ones are evicted, used ones are
//   demoted to ordinary objects (they join the global LRU once released); both count as
//   evictions of the quota's LRU. An object larger than the whole quota is refused.
// - On disconnect the quota returns to the global LRU and the client's objects become ordinary.
// - "pinned bytes" counts every object in use (reference count > 0), owned or not.
//
// Deliberate difference: the real store's Abort leaves the aborted object in its owner's quota
// LRU and in "pinned bytes" (stale entries that keep quota capacity until demoted); here an
// aborted object leaves all bookkeeping (store README, "Choices").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lru_cache.h"
#include "object_table.h"

namespace plasmasharp::store {

class EvictionPolicy {
 public:
  explicit EvictionPolicy(int64_t capacity);

  // False when the client already has a quota, the quota is negative, or the quotas together
  // would leave the global LRU less than 30% of the capacity.
  bool SetClientQuota(ConnectionId client, const std::string& name, int64_t quota);
  bool HasQuota(ConnectionId client) const { return FindQuota(client) != nullptr; }

  // A new object, before its creator's reference is taken.
  void ObjectCreated(ObjectEntry* entry, ConnectionId creator);
  // Its reference count went 0 -> 1 (BeginAccess) or 1 -> 0 (EndAccess).
  void BeginAccess(ObjectEntry* entry);
  void EndAccess(ObjectEntry* entry);
  // It was sealed. Only a client that released its own unsealed object (no real client does)
  // makes this matter: the object becomes evictable only now.
  void ObjectSealed(ObjectEntry* entry);
  // It leaves the store (deleted, evicted or aborted) with no reference left.
  void ObjectRemoved(ObjectEntry* entry);
  void Refresh(ObjectEntry* entry);

  // Quota check for a create by `client` of `size` bytes: false = refuse (OutOfMemory); true
  // with `victims` = the client's unused objects to evict first (used ones were demoted).
  bool EnforceClientQuota(ConnectionId client, int64_t size, std::vector<ObjectEntry*>* victims);
  // Chooses global LRU victims worth at least `num_bytes` (counted as its evictions); returns
  // their total size. The caller evicts every one of them.
  int64_t ChooseGlobalVictims(int64_t num_bytes, std::vector<ObjectEntry*>* victims);

  // Before the store releases the client's references and aborts its unsealed objects.
  void ClientDisconnected(ConnectionId client);

  std::string DebugString(int64_t allocated_bytes) const;

 private:
  struct Quota {
    ConnectionId client;
    std::unique_ptr<LruCache> cache;
  };
  LruCache* FindQuota(ConnectionId client) const;
  // The owned object leaves its owner's quota and becomes an ordinary one.
  void Disown(ObjectEntry* entry);

  int64_t capacity_;
  LruCache global_;
  std::vector<Quota> quotas_;  // in the order they were set (a handful: linear search is fine)
  int64_t owned_count_ = 0;         // "quota map size"
  int64_t owned_in_use_count_ = 0;  // "pinned quota map size"
  int64_t bytes_in_use_ = 0;        // "pinned bytes"
};

}  // namespace plasmasharp::store
