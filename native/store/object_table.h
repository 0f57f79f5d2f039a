// The store's object table: every object the store knows (created or sealed), keyed by id with
// O(1) lookup. An entry stays at a stable address for its whole life, so connections, pending
// Gets and the LRU lists can point at it.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "object_id.h"

namespace plasmasharp::store {

using ConnectionId = uint64_t;
constexpr ConnectionId kNoConnection = 0;

enum class ObjectState { kCreated, kSealed };

class LruCache;

struct ObjectEntry {
  ObjectId id;
  int segment_fd = -1;       // store_fd / segment_index on the wire
  uint64_t data_offset = 0;  // from the start of the segment file
  uint64_t data_size = 0;
  uint64_t metadata_size = 0;
  uint64_t allocator_offset = 0;  // where the region allocator placed the block
  ObjectState state = ObjectState::kCreated;
  int ref_count = 0;  // number of connections holding a reference (at most one each)
  ConnectionId creator = kNoConnection;
  int64_t create_time = 0;         // Unix seconds
  int64_t construct_duration = -1;  // seconds from create to seal; -1 while unsealed
  std::string digest;               // 8 bytes once sealed
  bool delete_pending = false;      // Delete arrived while in use / unsealed
  // Sealed, but its bytes are in the external store (-e), not in the segment: no block, no
  // LRU, no reference. Contains, List and Get still see it (a Get restores it first).
  bool spilled = false;
  // -e, spilling.cc: the external copy's key (while spilled or while its I/O runs), the I/O in
  // flight for it (its block is being written out or read into: never freed meanwhile), a
  // failed write (kept in memory, out of the LRU until a later write succeeds), and a failed
  // restore (the Get waiting for it answers it as missing; one-shot).
  enum class SpillIo : uint8_t { kNone, kWriting, kReading };
  uint64_t spill_key = 0;
  SpillIo spill_io = SpillIo::kNone;
  bool spill_failed = false;
  bool restore_failed = false;

  // Eviction bookkeeping, owned by EvictionPolicy.
  ConnectionId quota_owner = kNoConnection;  // client whose quota this object counts against
  bool owned_in_use = false;                 // quota_owner set and ref_count > 0
  LruCache* cache = nullptr;                 // the LRU list this entry is in, if any
  std::list<ObjectEntry*>::iterator cache_pos;

  uint64_t size() const { return data_size + metadata_size; }
  bool sealed() const { return state == ObjectState::kSealed; }
};

class ObjectTable {
 public:
  ObjectEntry* Find(const ObjectId& id) const {
    auto it = objects_.find(id);
    return it == objects_.end() ? nullptr : it->second.get();
  }
  // Inserts a fresh entry for `id` (the caller checked it is absent).
  ObjectEntry* Insert(const ObjectId& id) {
    auto entry = std::make_unique<ObjectEntry>();
    entry->id = id;
    ObjectEntry* raw = entry.get();
    objects_[id] = std::move(entry);
    return raw;
  }
  void Erase(const ObjectId& id) { objects_.erase(id); }
  size_t size() const { return objects_.size(); }

  template <typename F>
  void ForEach(F&& f) const {
    for (const auto& kv : objects_) f(kv.second.get());
  }

 private:
  std::unordered_map<ObjectId, std::unique_ptr<ObjectEntry>, ObjectIdHash> objects_;
};

}  // namespace plasmasharp::store
