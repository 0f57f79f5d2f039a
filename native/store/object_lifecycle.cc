// Object lifecycle shared by the handlers: create (with eviction), seal, abort, delete, evict,
// and the one-reference-per-connection bookkeeping.
#include <ctime>

#include "store_core.h"

namespace plasmasharp::store {

fb::PlasmaError StoreCore::CreateObject(ClientState& c, const ObjectId& id, uint64_t data_size,
                                        uint64_t metadata_size, bool evict_if_full,
                                        int device_num, ObjectEntry** out) {
  *out = nullptr;
  // No GPU support: the real store without CUDA answers OutOfMemory too.
  if (device_num != 0) return fb::PlasmaError::OutOfMemory;
  if (objects_.Find(id) != nullptr) return fb::PlasmaError::ObjectExists;
  uint64_t cap = static_cast<uint64_t>(capacity_);
  if (data_size > cap || metadata_size > cap || data_size + metadata_size > cap) {
    return fb::PlasmaError::OutOfMemory;
  }
  std::optional<uint64_t> block = AllocateWithEviction(c, data_size + metadata_size, evict_if_full);
  if (!block) return fb::PlasmaError::OutOfMemory;  // or awaiting_spill_: asked again later

  ObjectEntry* e = objects_.Insert(id);
  e->segment_fd = segment_->fd();
  e->allocator_offset = *block;
  e->data_offset = segment_->region_offset() + *block;
  e->data_size = data_size;
  e->metadata_size = metadata_size;
  e->creator = c.id;
  e->create_time = static_cast<int64_t>(std::time(nullptr));
  allocated_bytes_ += static_cast<int64_t>(e->size());
  c.created_unsealed.insert(e);
  policy_.ObjectCreated(e, c.id);
  AddReference(c, e);
  *out = e;
  return fb::PlasmaError::OK;
}

std::optional<uint64_t> StoreCore::AllocateWithEviction(ClientState& c, uint64_t size,
                                                        bool evict_if_full) {
  // A client with a quota first makes room inside its own quota (only when it allows eviction,
  // as the real store does).
  if (evict_if_full && policy_.HasQuota(c.id)) {
    std::vector<ObjectEntry*> victims;
    if (!policy_.EnforceClientQuota(c.id, static_cast<int64_t>(size), &victims)) return std::nullopt;
    EvictObjects(victims);
  }
  if (!evict_if_full) return allocator_.Allocate(size);
  return AllocateEvictingGlobally(size);
}

std::optional<uint64_t> StoreCore::AllocateEvictingGlobally(uint64_t size) {
  for (;;) {
    std::optional<uint64_t> block = allocator_.Allocate(size);
    if (block) return block;
    // -e: memory that spill writes in flight will free comes first (the request waits).
    if (writes_in_flight_ != 0) {
      if (!WaitForSpillWrites()) return std::nullopt;
      continue;
    }
    // Free at least what is missing, and at least 20% of the capacity so that a stream of
    // creates does not evict on every call (the real store's policy).
    int64_t required = static_cast<int64_t>(allocator_.used_bytes() + std::max<uint64_t>(size, 1)) -
                       static_cast<int64_t>(allocator_.region_size());
    int64_t to_free = std::max<int64_t>(required, capacity_ / 5);
    std::vector<ObjectEntry*> victims;
    int64_t freed = policy_.ChooseGlobalVictims(to_free, &victims);
    if (EvictObjects(victims)) {  // spilling: the memory is free once the write is done
      if (!WaitForSpillWrites()) return std::nullopt;
      continue;
    }
    // Nothing left to evict, or not even the missing bytes: give up. Otherwise retry (the
    // freed blocks may still be too scattered; the next round evicts more).
    if (victims.empty() || freed < required) {
      std::optional<uint64_t> last = allocator_.Allocate(size);
      return last;
    }
  }
}

bool StoreCore::EvictObjects(const std::vector<ObjectEntry*>& victims) {
  if (external_store_ != nullptr) return SpillObjects(victims);
  for (ObjectEntry* e : victims) DeleteObject(e);
  return false;
}

void StoreCore::SealObjects(const std::vector<ObjectEntry*>& entries,
                            const std::vector<std::string>& digests) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<const ObjectEntry*> sealed;
  for (size_t i = 0; i < entries.size(); ++i) {
    ObjectEntry* e = entries[i];
    e->state = ObjectState::kSealed;
    e->digest = digests[i];
    e->construct_duration = now - e->create_time;
    if (ClientState* creator = client(e->creator)) creator->created_unsealed.erase(e);
    policy_.ObjectSealed(e);
    sealed.push_back(e);
  }
  if (!sealed.empty()) Broadcast([&sealed] { return SealNotificationFrame(sealed); });
  for (ObjectEntry* e : entries) OnObjectSealed(e);
  // A Delete that arrived before the seal takes effect once nobody holds the object.
  for (ObjectEntry* e : entries) {
    if (e->delete_pending && e->ref_count == 0) DeleteObject(e);
  }
}

void StoreCore::AbortObject(ObjectEntry* e) {
  // Only the creator can hold an unsealed object (Gets wait for the seal). Its reference ends
  // like any release before the object goes, so no bookkeeping keeps it (the real store's
  // Abort skips that step: store README, "Choices").
  if (ClientState* creator = client(e->creator)) {
    if (creator->held.erase(e) != 0 && --e->ref_count == 0) policy_.EndAccess(e);
    creator->created_unsealed.erase(e);
  }
  EraseObject(e);
}

void StoreCore::DeleteObject(ObjectEntry* e) {
  ObjectId id = e->id;
  EraseObject(e);
  Broadcast([&id] { return DeletionNotificationFrame(id); });
}

void StoreCore::EraseObject(ObjectEntry* e) {
  bool block_busy = external_store_ != nullptr && ForgetSpill(e);
  if (e->spilled || block_busy) {  // no memory of its own left to free now (spilling.cc)
    policy_.ObjectRemoved(e);
    objects_.Erase(e->id);
    return;
  }
  policy_.ObjectRemoved(e);
  allocator_.Free(e->allocator_offset);
  allocated_bytes_ -= static_cast<int64_t>(e->size());
  objects_.Erase(e->id);  // destroys *e
}

void StoreCore::AddReference(ClientState& c, ObjectEntry* e) {
  if (!c.held.insert(e).second) return;  // repeated Gets do not stack
  if (e->ref_count++ == 0) policy_.BeginAccess(e);
}

void StoreCore::DropReference(ClientState& c, ObjectEntry* e) {
  if (c.held.erase(e) == 0) return;
  if (--e->ref_count != 0) return;
  policy_.EndAccess(e);
  if (e->delete_pending && e->sealed()) DeleteObject(e);
}

}  // namespace plasmasharp::store
