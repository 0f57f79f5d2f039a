// Spilling to the external store (-e) and restoring from it, the real store's behaviour: an
// evicted object keeps its entry and stays visible (Contains 1, listed as sealed, no deletion
// notification); a Get reads it back into memory and answers as if it had never left (no
// second seal notification). Deleting a spilled object drops its external copy.
//
// The I/O runs on the spill worker (spill_worker.h), so an object's state while it runs:
// - kWriting: still in memory, out of the LRU. A Get serves it from memory (the write then
//   ends as "cancelled": the copy is deleted, the object stays); a Delete erases the entry at
//   once (Contains 0, the id is free for a new Create) and its block is freed when the write is
//   done (orphan_blocks_); a Create of its id answers ObjectExists, as for any object.
// - spilled + kReading: a block is reserved and being filled; Gets of it wait (their
//   connections are parked), a Delete erases it as above.
// A failed write keeps the object in memory, out of the LRU until some later write succeeds,
// so eviction picks others (or the Create answers OutOfMemory); a failed restore answers the
// Gets waiting for it as missing, with a log line saying why. Nothing is lost either way.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include "store_core.h"

namespace plasmasharp::store {

void StoreCore::StartSpillThread(std::function<void()> wake) {
  if (spill_worker_) spill_worker_->StartThread(std::move(wake));
}

void StoreCore::StopSpillThread() {
  if (!spill_worker_) return;
  spill_worker_->StopThread();
  CompleteSpillIo();  // apply what the thread finished, so no block stays reserved
}

bool StoreCore::IsParked(ConnectionId id) const { return parked_.count(id) != 0; }

void StoreCore::SettleInlineSpillIo() {
  if (spill_worker_ && !spill_worker_->threaded()) CompleteSpillIo();
}

void StoreCore::AdoptRecovered(const std::vector<RecoveredObject>& objects) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const RecoveredObject& r : objects) {
    if (objects_.Find(r.id) != nullptr) {
      DeleteSpillCopy(r.key);
      continue;
    }
    ObjectEntry* e = objects_.Insert(r.id);
    e->segment_fd = segment_->fd();
    e->data_size = r.data_size;
    e->metadata_size = r.metadata_size;
    e->state = ObjectState::kSealed;
    e->digest = r.digest;
    e->create_time = now;
    e->construct_duration = 0;
    e->spilled = true;
    e->spill_key = r.key;
    next_spill_key_ = std::max(next_spill_key_, r.key + 1);
    ++spill_stats_.spilled_objects;
    spill_stats_.spilled_bytes += e->size();
    ++spill_stats_.recovered;
  }
}

bool StoreCore::SpillObjects(const std::vector<ObjectEntry*>& victims) {
  auto job = std::make_unique<SpillJob>();
  job->kind = SpillJob::Kind::kWrite;
  bool already_on_its_way = false;
  for (ObjectEntry* e : victims) {
    if (e->spill_io != ObjectEntry::SpillIo::kNone) {
      // Used and released while its write runs, so back in the LRU: that write frees it.
      policy_.ObjectRemoved(e);
      already_on_its_way = true;
      continue;
    }
    if (spill_limit_ != 0 && spill_stats_.spilled_bytes + writing_bytes_ + e->size() > spill_limit_) {
      ++spill_stats_.dropped_over_limit;
      DeleteObject(e);  // past --spill-limit: evicted for good, as without -e
      continue;
    }
    if (e->spill_failed) {  // back in the LRU since (used again): this is its new chance
      spill_failed_.erase(e);
      e->spill_failed = false;
    }
    policy_.ObjectRemoved(e);  // not chosen again while it is written
    e->spill_io = ObjectEntry::SpillIo::kWriting;
    e->spill_key = next_spill_key_++;
    spill_io_[e->spill_key] = e;
    writing_bytes_ += e->size();
    SpillItem item;
    item.key = e->spill_key;
    item.id = e->id;
    item.digest = e->digest;
    item.data = segment_->base() + e->data_offset;
    item.data_size = e->data_size;
    item.metadata_size = e->metadata_size;
    job->items.push_back(std::move(item));
  }
  if (job->items.empty()) return already_on_its_way;
  ++writes_in_flight_;
  spill_worker_->Submit(std::move(job));
  return true;
}

bool StoreCore::WaitForSpillWrites() {
  if (spill_worker_->threaded()) {
    AwaitSpillIo();
    return false;
  }
  CompleteSpillIo();
  return true;
}

bool StoreCore::RestoreObject(ObjectEntry* e) {
  if (e->restore_failed) {  // the read this Get waited for failed (logged then)
    e->restore_failed = false;
    return false;
  }
  if (!e->spilled) return true;  // the read this Get waited for (or an inline one) is done
  if (e->spill_io == ObjectEntry::SpillIo::kReading) {
    AwaitSpillIo();  // another Get started it: wait for the same read
    return true;
  }
  // A restore is a Get: it may evict (spill) other unused objects, never one in use.
  std::optional<uint64_t> block = AllocateEvictingGlobally(e->size());
  if (!block) {
    if (awaiting_spill_) return true;  // room is being written out; this Get runs again then
    std::fprintf(stderr, "plasma-store: cannot restore spilled object %s: no room for %llu bytes "
                 "(every object in memory is in use); answered as not available\n",
                 e->id.Hex().c_str(), static_cast<unsigned long long>(e->size()));
    return false;
  }
  e->allocator_offset = *block;
  e->data_offset = segment_->region_offset() + *block;
  allocated_bytes_ += static_cast<int64_t>(e->size());
  e->spill_io = ObjectEntry::SpillIo::kReading;
  spill_io_[e->spill_key] = e;
  auto job = std::make_unique<SpillJob>();
  job->kind = SpillJob::Kind::kRead;
  job->key = e->spill_key;
  job->into = segment_->base() + e->data_offset;
  job->size = e->size();
  spill_worker_->Submit(std::move(job));
  if (!spill_worker_->threaded()) CompleteSpillIo();  // inline I/O: already done
  if (e->spill_io == ObjectEntry::SpillIo::kReading) {
    AwaitSpillIo();
    return true;
  }
  return RestoreObject(e);  // done inline: restored (no longer spilled) or failed
}

std::vector<ConnectionId> StoreCore::CompleteSpillIo() {
  std::vector<ConnectionId> resumed;
  if (!spill_worker_) return resumed;
  std::vector<std::unique_ptr<SpillJob>> done = spill_worker_->TakeDone();
  if (done.empty()) return resumed;
  for (const auto& job : done) {
    if (job->kind == SpillJob::Kind::kWrite) FinishSpillWrite(*job);
    if (job->kind == SpillJob::Kind::kRead) FinishRestore(*job);
  }
  // Every parked request runs again: the memory or object it waited for may be there now (if
  // not, it parks again, or answers as it would have).
  for (ConnectionId id : parked_) {
    if (client(id) != nullptr) resumed.push_back(id);
  }
  parked_.clear();
  return resumed;
}

void StoreCore::FinishSpillWrite(const SpillJob& job) {
  --writes_in_flight_;
  if (!job.ok) {
    std::fprintf(stderr, "plasma-store: could not spill %zu objects: %s; they stay in memory\n",
                 job.items.size(), job.error.c_str());
  }
  bool any_spilled = false;
  for (const SpillItem& item : job.items) {
    writing_bytes_ -= item.size();
    auto it = spill_io_.find(item.key);
    if (it == spill_io_.end()) {  // deleted while written: only its block and copy are left
      FreeOrphanBlock(item.key);
      if (job.ok) DeleteSpillCopy(item.key);
      continue;
    }
    ObjectEntry* e = it->second;
    spill_io_.erase(it);
    e->spill_io = ObjectEntry::SpillIo::kNone;
    if (!job.ok) {
      ++spill_stats_.spill_failures;
      if (e->ref_count == 0 && e->cache == nullptr) {
        e->spill_failed = true;  // out of the LRU, so the next eviction picks others
        spill_failed_.insert(e);
      }
      continue;
    }
    if (e->ref_count > 0) {  // a Get took it while it was written: it stays in memory
      DeleteSpillCopy(item.key);
      continue;
    }
    policy_.ObjectRemoved(e);  // a Get and Release meanwhile put it back in the LRU
    allocator_.Free(e->allocator_offset);
    allocated_bytes_ -= static_cast<int64_t>(e->size());
    e->allocator_offset = 0;
    e->data_offset = 0;
    e->spilled = true;
    ++spill_stats_.spills;
    ++spill_stats_.spilled_objects;
    spill_stats_.spilled_bytes += e->size();
    any_spilled = true;
  }
  if (any_spilled) {  // the external store takes writes again: retry those that failed
    for (ObjectEntry* e : spill_failed_) {
      e->spill_failed = false;
      policy_.ObjectSealed(e);  // joins the LRU unless in use (then it joins when released)
    }
    spill_failed_.clear();
  }
}

void StoreCore::FinishRestore(const SpillJob& job) {
  auto it = spill_io_.find(job.key);
  if (it == spill_io_.end()) {  // deleted while read: free the block it was read into
    FreeOrphanBlock(job.key);
    return;
  }
  ObjectEntry* e = it->second;
  spill_io_.erase(it);
  e->spill_io = ObjectEntry::SpillIo::kNone;
  if (!job.ok) {
    std::fprintf(stderr, "plasma-store: cannot restore spilled object %s: %s; answered as not available\n",
                 e->id.Hex().c_str(), job.error.c_str());
    ++spill_stats_.restore_failures;
    allocator_.Free(e->allocator_offset);
    allocated_bytes_ -= static_cast<int64_t>(e->size());
    e->allocator_offset = 0;
    e->data_offset = 0;
    e->restore_failed = true;
    return;
  }
  DeleteSpillCopy(e->spill_key);  // memory holds it again; the next eviction writes it anew
  e->spilled = false;
  ++spill_stats_.restores;
  --spill_stats_.spilled_objects;
  spill_stats_.spilled_bytes -= e->size();
  policy_.ObjectSealed(e);  // an ordinary unused object until the Get takes its reference
}

bool StoreCore::ForgetSpill(ObjectEntry* e) {
  if (e->spill_failed) {
    spill_failed_.erase(e);
    e->spill_failed = false;
  }
  if (e->spilled) {
    --spill_stats_.spilled_objects;
    spill_stats_.spilled_bytes -= e->size();
  }
  if (e->spill_io == ObjectEntry::SpillIo::kNone) {
    if (e->spilled) DeleteSpillCopy(e->spill_key);
    return false;
  }
  // Its block is being written from or read into: freed when the worker is done with it.
  spill_io_.erase(e->spill_key);
  orphan_blocks_[e->spill_key] = {e->allocator_offset, e->size()};
  if (e->spill_io == ObjectEntry::SpillIo::kReading) DeleteSpillCopy(e->spill_key);  // queued after the read
  return true;
}

void StoreCore::FreeOrphanBlock(uint64_t key) {
  auto orphan = orphan_blocks_.find(key);
  if (orphan == orphan_blocks_.end()) return;
  allocator_.Free(orphan->second.first);
  allocated_bytes_ -= static_cast<int64_t>(orphan->second.second);
  orphan_blocks_.erase(orphan);
}

void StoreCore::DeleteSpillCopy(uint64_t key) {
  auto job = std::make_unique<SpillJob>();
  job->kind = SpillJob::Kind::kDelete;
  job->key = key;
  spill_worker_->Submit(std::move(job));
}

}  // namespace plasmasharp::store
