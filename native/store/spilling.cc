// Spilling to the external store (-e) and restoring from it, the real store's behaviour: an
// evicted object keeps its entry and stays visible (Contains 1, listed as sealed, no deletion
// notification); a Get reads it back into memory and answers as if it had never left (no
// second seal notification). Deleting a spilled object drops its external copy (EraseObject).
#include <cstdio>

#include "store_core.h"

namespace plasmasharp::store {

bool StoreCore::SpillObject(ObjectEntry* e) {
  const uint8_t* bytes = segment_->base() + e->data_offset;
  std::string error;
  if (!external_store_->Put(e->id, bytes, e->size(), &error)) {
    std::fprintf(stderr, "plasma-store: could not spill object %s (%llu bytes): %s; evicting it instead\n",
                 e->id.Hex().c_str(), static_cast<unsigned long long>(e->size()), error.c_str());
    return false;
  }
  policy_.ObjectRemoved(e);
  allocator_.Free(e->allocator_offset);
  allocated_bytes_ -= static_cast<int64_t>(e->size());
  e->spilled = true;
  e->allocator_offset = 0;
  e->data_offset = 0;
  return true;
}

bool StoreCore::RestoreObject(ObjectEntry* e) {
  // A restore is a Get: it may evict (spill) other unused objects, never one in use.
  std::optional<uint64_t> block = AllocateEvictingGlobally(e->size());
  if (!block) {
    std::fprintf(stderr, "plasma-store: cannot restore spilled object %s: no room for %llu bytes "
                 "(every object in memory is in use); answered as not available\n",
                 e->id.Hex().c_str(), static_cast<unsigned long long>(e->size()));
    return false;
  }
  uint64_t data_offset = segment_->region_offset() + *block;
  std::string error;
  if (!external_store_->Get(e->id, segment_->base() + data_offset, e->size(), &error)) {
    allocator_.Free(*block);
    std::fprintf(stderr, "plasma-store: cannot restore spilled object %s: %s; answered as not available\n",
                 e->id.Hex().c_str(), error.c_str());
    return false;
  }
  external_store_->Delete(e->id);  // memory holds it again; the next eviction writes it anew
  e->spilled = false;
  e->allocator_offset = *block;
  e->data_offset = data_offset;
  allocated_bytes_ += static_cast<int64_t>(e->size());
  policy_.ObjectSealed(e);  // an ordinary unused object until the Get takes its reference
  return true;
}

}  // namespace plasmasharp::store
