#include "replay_model.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace plasmasharp::testing {

namespace {
constexpr uint64_t kAlignment = 64;
// The real store's segments keep 8 bytes at the end that a client does not map.
constexpr int64_t kUnmappedTail = 8;
}  // namespace

const ObjectState* ReplayModel::Find(const std::string& id) const {
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : &it->second;
}

void ReplayModel::MayHaveEvicted() {
  eviction_seen_ = true;
  for (auto& [id, o] : objects_) {
    if (Evictable(o)) o.maybe_gone = true;
  }
}

void ReplayModel::NoteCreate(uint64_t bytes) {
  uint64_t live = bytes;
  for (const auto& [id, o] : objects_) live += o.data_size + o.metadata_size;
  if (live > static_cast<uint64_t>(capacity_) / 2) MayHaveEvicted();
}

void ReplayModel::Create(int conn, const std::string& id, uint64_t data_size,
                         uint64_t metadata_size, bool sealed) {
  ObjectState o;
  o.data_size = data_size;
  o.metadata_size = metadata_size;
  o.sealed = sealed;
  o.creator = conn;
  if (!sealed) o.holders.insert(conn);
  objects_[id] = o;
}

void ReplayModel::Seal(const std::string& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  it->second.sealed = true;
  FinishIfDeletable(id);
}

void ReplayModel::Hold(int conn, const std::string& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  it->second.holders.insert(conn);
  it->second.maybe_gone = false;  // just seen alive, and now referenced
}

void ReplayModel::Release(int conn, const std::string& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  it->second.holders.erase(conn);
  FinishIfDeletable(id);
}

void ReplayModel::DeletePending(const std::string& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  it->second.delete_pending = true;
  FinishIfDeletable(id);
}

void ReplayModel::FinishIfDeletable(const std::string& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  if (it->second.delete_pending && it->second.sealed && it->second.holders.empty()) {
    objects_.erase(it);
  }
}

void ReplayModel::Remove(const std::string& id) { objects_.erase(id); }

void ReplayModel::Disconnect(int conn) {
  sent_.erase(conn);
  for (auto it = objects_.begin(); it != objects_.end();) {
    ObjectState& o = it->second;
    o.holders.erase(conn);
    bool gone =
        (!o.sealed && o.creator == conn) || (o.delete_pending && o.sealed && o.holders.empty());
    it = gone ? objects_.erase(it) : std::next(it);
  }
}

std::string ReplayModel::Place(const std::string& id, int32_t store_fd, uint64_t data_offset,
                               uint64_t data_size, uint64_t metadata_offset,
                               uint64_t metadata_size) {
  std::string where = "object " + id + " at store_fd " + std::to_string(store_fd) +
                      " data_offset " + std::to_string(data_offset) + ": ";
  if (metadata_offset != data_offset + data_size)
    return where + "metadata_offset " + std::to_string(metadata_offset) +
           " != data_offset + data_size";
  if (data_offset % kAlignment != 0) return where + "data_offset not 64-byte aligned";
  int64_t mmap_size = SegmentSize(store_fd);
  if (mmap_size <= 0) return where + "unknown segment (no mmap_size seen for it)";
  uint64_t end = data_offset + data_size + metadata_size;
  if (end < data_offset || end > static_cast<uint64_t>(mmap_size - kUnmappedTail))
    return where + "ends at " + std::to_string(end) + ", past what a client maps (" +
           std::to_string(mmap_size - kUnmappedTail) + ")";
  auto self = objects_.find(id);
  if (self != objects_.end() && self->second.placed &&
      (self->second.store_fd != store_fd || self->second.data_offset != data_offset))
    return where + "moved: was at store_fd " + std::to_string(self->second.store_fd) +
           " data_offset " + std::to_string(self->second.data_offset);
  // No overlap with any object still alive: held ones can be neither evicted nor freed, and
  // unheld ones are only gone once deleted or (maybe) evicted. Empty objects occupy nothing.
  if (end > data_offset) {
    for (const auto& [other_id, o] : objects_) {
      if (other_id == id || !o.placed || o.store_fd != store_fd) continue;
      if (o.holders.empty() && o.maybe_gone) continue;
      uint64_t o_end = o.data_offset + o.data_size + o.metadata_size;
      if (o_end == o.data_offset) continue;
      if (data_offset < o_end && o.data_offset < end)
        return where + "overlaps live object " + other_id + " [" + std::to_string(o.data_offset) +
               ", " + std::to_string(o_end) + ")";
    }
  }
  if (self != objects_.end()) {
    self->second.placed = true;
    self->second.store_fd = store_fd;
    self->second.data_offset = data_offset;
  }
  return "";
}

std::string ReplayModel::NoteSegmentSize(int32_t store_fd, int64_t mmap_size) {
  if (mmap_size <= kUnmappedTail)
    return "store_fd " + std::to_string(store_fd) + ": mmap_size " + std::to_string(mmap_size) +
           " too small";
  SegmentState& s = segments_[store_fd];
  if (s.mmap_size != 0 && s.mmap_size != mmap_size)
    return "store_fd " + std::to_string(store_fd) + ": mmap_size " + std::to_string(mmap_size) +
           " but earlier " + std::to_string(s.mmap_size);
  s.mmap_size = mmap_size;
  return "";
}

int64_t ReplayModel::SegmentSize(int32_t store_fd) const {
  auto it = segments_.find(store_fd);
  return it == segments_.end() ? 0 : it->second.mmap_size;
}

std::string ReplayModel::NoteSegmentFile(int32_t store_fd, int fd) {
  std::string where = "fd passed for store_fd " + std::to_string(store_fd) + ": ";
  struct stat st;
  if (::fstat(fd, &st) != 0) return where + "fstat failed: " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return where + "not a regular file";
  SegmentState& s = segments_[store_fd];
  if (st.st_size != s.mmap_size)
    return where + "file size " + std::to_string(st.st_size) + " != mmap_size " +
           std::to_string(s.mmap_size);
  if (s.have_file && (s.dev != st.st_dev || s.ino != st.st_ino))
    return where + "a different file than the one passed earlier for the same store_fd";
  for (const auto& [other_fd, other] : segments_) {
    if (other_fd != store_fd && other.have_file && other.dev == st.st_dev && other.ino == st.st_ino)
      return where + "same file as store_fd " + std::to_string(other_fd);
  }
  // Map it the way libplasma does.
  size_t length = static_cast<size_t>(s.mmap_size - kUnmappedTail);
  void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return where + "mmap(mmap_size - 8, RW, SHARED) failed: " + std::strerror(errno);
  ::munmap(p, length);
  s.have_file = true;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  return "";
}

}  // namespace plasmasharp::testing
